package zest.engine.ops;

import java.util.Arrays;
import zest.engine.Shapes;
import zest.engine.Tensor;
import zest.engine.cpu.Parallel;

/** Sum, mean, max, min and variance over dimensions, with keepDim, and their gradients. */
public final class Reductions {
    private Reductions() {}

    private enum Kind { SUM, MAX, MIN }

    public static Tensor sum(Tensor t) {
        return sum(t, allDims(t), false);
    }

    public static Tensor sum(Tensor t, int[] dims, boolean keepDim) {
        int[] inShape = t.shape();
        boolean[] reduced = reducedMask(dims, inShape.length);
        Tensor out = reduce(Kind.SUM, t, reduced, keepDim);
        return out.recordIfNeeded("sum", g -> new Tensor[] {expandBack(g, reduced, inShape)}, t);
    }

    public static Tensor mean(Tensor t) {
        return mean(t, allDims(t), false);
    }

    public static Tensor mean(Tensor t, int[] dims, boolean keepDim) {
        int[] shape = t.shape();
        boolean[] reduced = reducedMask(dims, shape.length);
        long count = 1;
        for (int d = 0; d < shape.length; d++) if (reduced[d]) count *= shape[d];
        return Elementwise.mulScalar(sum(t, dims, keepDim), 1f / count);
    }

    /**
     * Variance over dims with Bessel's correction {@code correction} (1 = unbiased, as torch.var's default;
     * 0 = population variance).
     */
    public static Tensor var(Tensor t, int[] dims, boolean keepDim, int correction) {
        int[] shape = t.shape();
        boolean[] reduced = reducedMask(dims, shape.length);
        long count = 1;
        for (int d = 0; d < shape.length; d++) if (reduced[d]) count *= shape[d];
        Tensor centered = Elementwise.sub(t, mean(t, dims, true));
        Tensor ss = sum(Elementwise.mul(centered, centered), dims, keepDim);
        return Elementwise.mulScalar(ss, 1f / Math.max(count - correction, 0));
    }

    /** The largest element (a 0-d tensor); ties share the gradient evenly, as torch.max() does. */
    public static Tensor max(Tensor t) { return extreme(Kind.MAX, t); }

    /** The smallest element (a 0-d tensor). */
    public static Tensor min(Tensor t) { return extreme(Kind.MIN, t); }

    private static Tensor extreme(Kind kind, Tensor t) {
        if (OnDevice.any(t)) return OnDevice.viaCpu(host -> extreme(kind, host[0]), t);
        if (t.numel() == 0) throw new IllegalArgumentException(kind + " of an empty tensor");
        float[] v = t.floats();
        float m = v[0];
        for (float x : v) {
            if (Float.isNaN(x)) { m = x; break; }
            m = kind == Kind.MAX ? Math.max(m, x) : Math.min(m, x);
        }
        Tensor out = Tensor.scalar(m);
        float best = m;
        int[] shape = t.shape();
        return out.recordIfNeeded(kind.name().toLowerCase(), g -> {
            float[] gv = new float[v.length];
            int ties = 0;
            for (float x : v) if (x == best) ties++;
            float share = g.item() / Math.max(ties, 1);
            for (int i = 0; i < v.length; i++) if (v[i] == best) gv[i] = share;
            return new Tensor[] {Tensor.of(gv, shape)};
        }, t);
    }

    /** Max along one dim; the gradient goes to the first position holding the max. */
    public static Tensor max(Tensor t, int dim, boolean keepDim) { return extremeAlong(Kind.MAX, t, dim, keepDim); }

    /** Min along one dim; the gradient goes to the first position holding the min. */
    public static Tensor min(Tensor t, int dim, boolean keepDim) { return extremeAlong(Kind.MIN, t, dim, keepDim); }

    /** Index of the max along dim (as F32 values; no gradient). */
    public static Tensor argmax(Tensor t, int dim, boolean keepDim) {
        int d = Shapes.normDim(dim, t.dim());
        Tensor moved = t.detach().permute(moveLast(d, t.dim())).contiguous();
        int n = moved.size(-1), rows = moved.numel() / Math.max(n, 1);
        if (n == 0) throw new IllegalArgumentException("argmax along an empty dim " + dim + " of " + Arrays.toString(t.shape()));
        float[] v = moved.floats();
        float[] idx = new float[rows];
        for (int r = 0; r < rows; r++) idx[r] = argExtreme(Kind.MAX, v, r * n, n) - r * n;
        return Tensor.of(idx, reducedShape(t.shape(), reducedMask(new int[] {d}, t.dim()), keepDim));
    }

    private static Tensor extremeAlong(Kind kind, Tensor t, int dim, boolean keepDim) {
        if (OnDevice.any(t)) return OnDevice.viaCpu(host -> extremeAlong(kind, host[0], dim, keepDim), t);
        int d = Shapes.normDim(dim, t.dim());
        int[] shape = t.shape();
        int rank = shape.length;
        // the reduced dim goes last, the others keep their order, so rows come out in the result's order
        int[] order = moveLast(d, rank);
        Tensor moved = t.detach().permute(order).contiguous();
        int n = moved.size(-1), rows = moved.numel() / Math.max(n, 1);
        if (n == 0) throw new IllegalArgumentException(kind + " along an empty dim " + dim + " of " + Arrays.toString(shape));
        float[] v = moved.floats();
        float[] out = new float[rows];
        int[] where = new int[rows];
        for (int r = 0; r < rows; r++) {
            where[r] = argExtreme(kind, v, r * n, n);
            out[r] = v[where[r]];
        }
        boolean[] reduced = reducedMask(new int[] {d}, rank);
        Tensor res = Tensor.of(out, reducedShape(shape, reduced, keepDim));
        int[] movedShape = moved.shape();
        return res.recordIfNeeded(kind.name().toLowerCase() + "Dim", g -> {
            float[] gv = g.contiguous().floats();
            float[] gm = new float[v.length];
            for (int r = 0; r < rows; r++) gm[where[r]] = gv[r];
            return new Tensor[] {Tensor.of(gm, movedShape).permute(inverse(order)).contiguous()};
        }, t);
    }

    /** The permutation that moves dim d last and keeps the other dims in order. */
    private static int[] moveLast(int d, int rank) {
        int[] order = new int[rank];
        for (int i = 0, k = 0; i < rank; i++) if (i != d) order[k++] = i;
        order[rank - 1] = d;
        return order;
    }

    private static int[] inverse(int[] order) {
        int[] inv = new int[order.length];
        for (int i = 0; i < order.length; i++) inv[order[i]] = i;
        return inv;
    }

    private static int argExtreme(Kind kind, float[] v, int from, int n) {
        int best = from;
        for (int i = from + 1; i < from + n; i++) {
            if (Float.isNaN(v[best])) break;
            if (Float.isNaN(v[i]) || (kind == Kind.MAX ? v[i] > v[best] : v[i] < v[best])) best = i;
        }
        return best;
    }

    /** Sums a broadcast gradient back down to {@code shape} (leading dims and size-1 dims). */
    public static Tensor sumToShape(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        if (lead < 0) throw new IllegalArgumentException("cannot sum " + Arrays.toString(gs) + " down to " + Arrays.toString(shape));
        boolean[] reduced = new boolean[gs.length];
        for (int d = 0; d < gs.length; d++) {
            if (d < lead) reduced[d] = true;
            else if (shape[d - lead] == 1 && gs[d] != 1) reduced[d] = true;
            else if (shape[d - lead] != gs[d])
                throw new IllegalArgumentException("cannot sum " + Arrays.toString(gs) + " down to " + Arrays.toString(shape));
        }
        Tensor s = reduce(Kind.SUM, g, reduced, true);
        return s.reshape(shape);
    }

    // ---------------------------------------------------------------- machinery

    private static int[] allDims(Tensor t) {
        int[] d = new int[t.dim()];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return d;
    }

    private static boolean[] reducedMask(int[] dims, int rank) {
        boolean[] m = new boolean[rank];
        for (int d : dims) m[Shapes.normDim(d, rank)] = true;
        return m;
    }

    private static int[] reducedShape(int[] shape, boolean[] reduced, boolean keepDim) {
        int n = 0;
        for (int d = 0; d < shape.length; d++) if (!reduced[d] || keepDim) n++;
        int[] out = new int[n];
        for (int d = 0, k = 0; d < shape.length; d++) {
            if (!reduced[d]) out[k++] = shape[d];
            else if (keepDim) out[k++] = 1;
        }
        return out;
    }

    /** Gradient of a sum: the upstream gradient broadcast back over the reduced dims. */
    private static Tensor expandBack(Tensor g, boolean[] reduced, int[] inShape) {
        int[] kept = reducedShape(inShape, reduced, true);
        return g.reshape(kept).expand(inShape).contiguous();
    }

    /** Reduces the marked dims (no graph): moves them last, then folds contiguous runs. */
    private static Tensor reduce(Kind kind, Tensor t, boolean[] reduced, boolean keepDim) {
        if (OnDevice.any(t)) return OnDevice.reduce(kind.ordinal(), t, reduced, reducedShape(t.shape(), reduced, keepDim));
        int[] shape = t.shape();
        int rank = shape.length;
        int[] order = new int[rank];
        int k = 0;
        for (int d = 0; d < rank; d++) if (!reduced[d]) order[k++] = d;
        int keptRank = k;
        for (int d = 0; d < rank; d++) if (reduced[d]) order[k++] = d;
        long inner = 1;
        for (int d = keptRank; d < rank; d++) inner *= shape[order[d]];
        Tensor moved = t.detach().permute(order);
        float[] v = moved.isContiguous() ? moved.floats() : moved.contiguous().floats();
        int n = (int) inner;
        int rows = n == 0 ? Shapes.numelInt(reducedShape(shape, reduced, false)) : v.length / n;
        float[] out = new float[rows];
        Parallel.forRange(rows, Math.max(1, 4096 / Math.max(n, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int base = r * n;
                switch (kind) {
                    case SUM -> {
                        double s = 0; // double accumulation keeps long sums accurate
                        for (int i = 0; i < n; i++) s += v[base + i];
                        out[r] = (float) s;
                    }
                    case MAX -> out[r] = v[argExtreme(Kind.MAX, v, base, n)];
                    case MIN -> out[r] = v[argExtreme(Kind.MIN, v, base, n)];
                }
            }
        });
        return Tensor.of(out, reducedShape(shape, reduced, keepDim));
    }
}
