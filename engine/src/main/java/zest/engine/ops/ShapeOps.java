package zest.engine.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import zest.engine.Shapes;
import zest.engine.Tensor;

/** Joining and cutting tensors: concat, split, chunk, constant padding. */
public final class ShapeOps {
    private ShapeOps() {}

    /** Joins tensors along dim; all other dims must match. */
    public static Tensor concat(int dim, Tensor... ts) {
        if (ts.length == 0) throw new IllegalArgumentException("concat of nothing");
        int rank = ts[0].dim();
        if (rank == 0) throw new IllegalArgumentException("concat of 0-d tensors (shape []): unsqueeze them first");
        int d = Shapes.normDim(dim, rank);
        int[] shape = ts[0].shape();
        int total = 0;
        for (Tensor t : ts) {
            int[] s = t.shape();
            if (s.length != rank) throw new IllegalArgumentException("concat: ranks differ " + Arrays.toString(shape) + " vs " + Arrays.toString(s));
            for (int i = 0; i < rank; i++)
                if (i != d && s[i] != shape[i])
                    throw new IllegalArgumentException("concat along " + d + ": shapes " + Arrays.toString(shape) + " and " + Arrays.toString(s) + " differ in dim " + i);
            total += s[d];
        }
        shape[d] = total;
        if (OnDevice.any(ts)) return OnDevice.concat(d, ts, shape);
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < rank; i++) inner *= shape[i];
        float[] out = new float[Shapes.numelInt(shape)];
        int row = total * inner, at = 0;
        for (Tensor t : ts) {
            float[] v = t.contiguous().floats();
            int len = t.size(d) * inner;
            for (int o = 0; o < outer; o++) System.arraycopy(v, o * len, out, o * row + at, len);
            at += len;
        }
        int[] sizes = new int[ts.length];
        for (int i = 0; i < ts.length; i++) sizes[i] = ts[i].size(d);
        Tensor res = Tensor.of(out, shape);
        return res.recordIfNeeded("concat", g -> {
            Tensor[] parts = new Tensor[ts.length];
            int start = 0;
            for (int i = 0; i < ts.length; i++) {
                parts[i] = ts[i].requiresGrad() ? g.narrow(d, start, sizes[i]).contiguous() : null;
                start += sizes[i];
            }
            return parts;
        }, ts);
    }

    /** Views of consecutive pieces of the given sizes along dim. */
    public static List<Tensor> split(Tensor t, int[] sizes, int dim) {
        int d = Shapes.normDim(dim, t.dim());
        int sum = Arrays.stream(sizes).sum();
        if (sum != t.size(d)) throw new IllegalArgumentException("split sizes " + Arrays.toString(sizes) + " do not add up to " + t.size(d));
        List<Tensor> out = new ArrayList<>();
        int start = 0;
        for (int s : sizes) { out.add(t.narrow(d, start, s)); start += s; }
        return out;
    }

    /** n equal pieces along dim (the size must divide evenly). */
    public static List<Tensor> chunk(Tensor t, int n, int dim) {
        int size = t.size(dim);
        if (n <= 0 || size % n != 0) throw new IllegalArgumentException("cannot chunk size " + size + " into " + n + " equal pieces");
        int[] sizes = new int[n];
        Arrays.fill(sizes, size / n);
        return split(t, sizes, dim);
    }

    /**
     * Constant padding in torch.nn.functional.pad order: pairs (before, after) starting from the last dim.
     * Negative amounts crop.
     */
    public static Tensor pad(Tensor t, int[] pads, float value) {
        if (pads.length % 2 != 0 || pads.length / 2 > t.dim())
            throw new IllegalArgumentException("pad needs (before, after) pairs for at most " + t.dim() + " dims, got " + Arrays.toString(pads));
        Tensor out = t;
        for (int p = 0; p < pads.length / 2; p++) {
            int d = t.dim() - 1 - p;
            out = padConstant(out, d, pads[2 * p], pads[2 * p + 1], value);
        }
        return out;
    }

    /** Zero padding along one dim (used by narrow's gradient). */
    public static Tensor padAlong(Tensor t, int dim, int before, int after) {
        return padConstant(t, dim, before, after, 0f);
    }

    private static Tensor padConstant(Tensor t, int d, int before, int after, float value) {
        if (before == 0 && after == 0) return t;
        if (OnDevice.any(t)) return OnDevice.viaCpu(host -> padConstant(host[0], d, before, after, value), t);
        if (before < 0 || after < 0) {
            int start = Math.max(-before, 0), end = t.size(d) - Math.max(-after, 0);
            return padConstant(t.narrow(d, start, end - start), d, Math.max(before, 0), Math.max(after, 0), value);
        }
        int[] shape = t.shape();
        int n = shape[d];
        int[] os = shape.clone();
        os[d] = n + before + after;
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        float[] v = t.contiguous().floats();
        float[] out = new float[Shapes.numelInt(os)];
        if (value != 0f) Arrays.fill(out, value);
        for (int o = 0; o < outer; o++) System.arraycopy(v, o * n * inner, out, (o * os[d] + before) * inner, n * inner);
        Tensor res = Tensor.of(out, os);
        return res.recordIfNeeded("pad", g -> new Tensor[] {g.narrow(d, before, n).contiguous()}, t);
    }
}
