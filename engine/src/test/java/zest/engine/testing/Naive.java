package zest.engine.testing;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import zest.engine.Tensor;

/**
 * Straightforward double-precision reference implementations (index arithmetic, no strides, no speed) and
 * assertions comparing a tensor to them. Values are row-major double[] with an explicit shape.
 */
public final class Naive {
    private Naive() {}

    /** A reference result: row-major values and shape. */
    public record Ref(double[] v, int[] shape) {
        @Override public String toString() { return Arrays.toString(shape) + " " + Arrays.toString(v); }
    }

    // ---------------------------------------------------------------- index arithmetic

    public static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    public static void unravel(int i, int[] shape, int[] idx) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) { idx[d] = 0; continue; }
            idx[d] = i % shape[d];
            i /= shape[d];
        }
    }

    public static int[] unravel(int i, int[] shape) {
        int[] idx = new int[shape.length];
        unravel(i, shape, idx);
        return idx;
    }

    public static int ravel(int[] idx, int[] shape) {
        int i = 0;
        for (int d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
        return i;
    }

    /** The value of a (possibly lower-rank, size-1) broadcast operand at an index of the output shape. */
    public static double broadcastAt(double[] v, int[] shape, int[] outIdx) {
        int lead = outIdx.length - shape.length;
        int i = 0;
        for (int d = 0; d < shape.length; d++) i = i * shape[d] + (shape[d] == 1 ? 0 : outIdx[lead + d]);
        return v[i];
    }

    public static int[] broadcastShape(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) throw new IllegalArgumentException("no broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    // ---------------------------------------------------------------- reading tensors independently

    /** The values of t in row-major order, read one by one through {@link Tensor#get}. */
    public static double[] values(Tensor t) {
        int[] shape = t.shape();
        int n = Math.toIntExact(numel(shape));
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = t.get(unravel(i, shape));
        return v;
    }

    // ---------------------------------------------------------------- references

    public static Ref map(double[] a, int[] shape, DoubleUnaryOperator f) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = f.applyAsDouble(a[i]);
        return new Ref(out, shape.clone());
    }

    public static Ref zip(double[] a, int[] sa, double[] b, int[] sb, DoubleBinaryOperator f) {
        int[] shape = broadcastShape(sa, sb);
        double[] out = new double[(int) numel(shape)];
        int[] idx = new int[shape.length];
        for (int i = 0; i < out.length; i++) {
            unravel(i, shape, idx);
            out[i] = f.applyAsDouble(broadcastAt(a, sa, idx), broadcastAt(b, sb, idx));
        }
        return new Ref(out, shape);
    }

    /** Reduction over the marked dims with an associative double fold (init, op). */
    public static Ref reduce(double[] v, int[] shape, boolean[] reduced, boolean keepDim, double init, DoubleBinaryOperator op) {
        int[] kept = new int[shape.length];
        for (int d = 0; d < shape.length; d++) kept[d] = reduced[d] ? 1 : shape[d];
        double[] acc = new double[(int) numel(kept)];
        Arrays.fill(acc, init);
        int[] idx = new int[shape.length];
        for (int i = 0; i < v.length; i++) {
            unravel(i, shape, idx);
            for (int d = 0; d < shape.length; d++) if (reduced[d]) idx[d] = 0;
            int o = ravel(idx, kept);
            acc[o] = op.applyAsDouble(acc[o], v[i]);
        }
        return new Ref(acc, reducedShape(shape, reduced, keepDim));
    }

    public static int[] reducedShape(int[] shape, boolean[] reduced, boolean keepDim) {
        return Arrays.stream(range(shape.length)).filter(d -> keepDim || !reduced[d]).map(d -> reduced[d] ? 1 : shape[d]).toArray();
    }

    /** Index of the first extreme along dim (max when {@code max}), per remaining position. */
    public static Ref argExtreme(double[] v, int[] shape, int dim, boolean keepDim, boolean max) {
        boolean[] reduced = new boolean[shape.length];
        reduced[dim] = true;
        int[] kept = shape.clone();
        kept[dim] = 1;
        int rows = (int) numel(kept);
        double[] best = new double[rows], arg = new double[rows];
        Arrays.fill(best, Double.NaN);
        int[] idx = new int[shape.length];
        for (int i = 0; i < v.length; i++) {
            unravel(i, shape, idx);
            int k = idx[dim];
            idx[dim] = 0;
            int o = ravel(idx, kept);
            if (k == 0 || (max ? v[i] > best[o] : v[i] < best[o])) { best[o] = v[i]; arg[o] = k; }
        }
        return new Ref(arg, reducedShape(shape, reduced, keepDim));
    }

    /** Softmax (or log-softmax) along dim in double. */
    public static Ref softmax(double[] v, int[] shape, int dim, boolean log) {
        double[] out = new double[v.length];
        int n = shape[dim];
        int inner = 1;
        for (int d = dim + 1; d < shape.length; d++) inner *= shape[d];
        int outer = v.length / Math.max(n * inner, 1);
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * n * inner + in;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < n; k++) max = Math.max(max, v[base + k * inner]);
                double sum = 0;
                for (int k = 0; k < n; k++) sum += Math.exp(v[base + k * inner] - max);
                for (int k = 0; k < n; k++) {
                    double x = v[base + k * inner] - max;
                    out[base + k * inner] = log ? x - Math.log(sum) : Math.exp(x) / sum;
                }
            }
        }
        return new Ref(out, shape.clone());
    }

    /** torch.matmul semantics in double. */
    public static Ref matmul(double[] a, int[] sa, double[] b, int[] sb) {
        boolean aVec = sa.length == 1, bVec = sb.length == 1;
        int[] a2 = aVec ? new int[] {1, sa[0]} : sa, b2 = bVec ? new int[] {sb[0], 1} : sb;
        int m = a2[a2.length - 2], k = a2[a2.length - 1], n = b2[b2.length - 1];
        if (b2[b2.length - 2] != k) throw new IllegalArgumentException("inner dims");
        int[] ba = Arrays.copyOf(a2, a2.length - 2), bb = Arrays.copyOf(b2, b2.length - 2);
        int[] batch = broadcastShape(ba, bb);
        int nb = (int) numel(batch);
        double[] out = new double[nb * m * n];
        int[] bi = new int[batch.length];
        int[] aFull = concat(batch, m, k), bFull = concat(batch, k, n);
        for (int t = 0; t < nb; t++) {
            unravel(t, batch, bi);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double x = broadcastAt(a, a2, concatIdx(bi, i, p, aFull.length));
                        double y = broadcastAt(b, b2, concatIdx(bi, p, j, bFull.length));
                        s += x * y;
                    }
                    out[(t * m + i) * n + j] = s;
                }
        }
        int[] shape = concat(batch, m, n);
        if (aVec) shape = remove(shape, shape.length - 2);
        if (bVec) shape = remove(shape, shape.length - 1);
        return new Ref(out, shape);
    }

    private static int[] concatIdx(int[] batch, int r, int c, int rank) {
        int[] idx = Arrays.copyOf(batch, rank);
        idx[rank - 2] = r;
        idx[rank - 1] = c;
        return idx;
    }

    public static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    public static int[] remove(int[] a, int at) {
        int[] out = new int[a.length - 1];
        for (int i = 0, k = 0; i < a.length; i++) if (i != at) out[k++] = a[i];
        return out;
    }

    public static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    /** erf in double to ~1e-15: 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)) (all terms positive, no cancellation). */
    public static double erf(double x) {
        if (Math.abs(x) > 6.5) return Math.signum(x);
        double x2 = x * x, term = x, sum = x;
        for (int n = 1; n < 500; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
            if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x2) * sum;
    }

    // ---------------------------------------------------------------- assertions

    public static void assertClose(Tensor actual, Ref expected, double atol, double rtol) {
        assertClose(actual, expected.v(), expected.shape(), atol, rtol, "");
    }

    public static void assertClose(Tensor actual, Ref expected, double atol, double rtol, String what) {
        assertClose(actual, expected.v(), expected.shape(), atol, rtol, what);
    }

    /** Shape equal and |a − e| ≤ atol + rtol·|e| everywhere (NaN matches NaN, ±inf must match exactly). */
    public static void assertClose(Tensor actual, double[] expected, int[] shape, double atol, double rtol, String what) {
        if (!Arrays.equals(actual.shape(), shape))
            throw new AssertionError(what + " shape " + Arrays.toString(actual.shape()) + ", expected " + Arrays.toString(shape));
        double[] a = values(actual);
        assertClose(a, expected, atol, rtol, what + " " + Arrays.toString(shape));
    }

    public static void assertClose(double[] a, double[] e, double atol, double rtol, String what) {
        if (a.length != e.length) throw new AssertionError(what + ": " + a.length + " values, expected " + e.length);
        for (int i = 0; i < a.length; i++) {
            if (!close(a[i], e[i], atol, rtol))
                throw new AssertionError(what + ": at flat index " + i + " got " + a[i] + ", expected " + e[i]
                        + "\n  actual   " + abbreviate(a) + "\n  expected " + abbreviate(e));
        }
    }

    public static boolean close(double a, double e, double atol, double rtol) {
        if (Double.isNaN(e)) return Double.isNaN(a);
        if (Double.isInfinite(e)) return a == e;
        return Math.abs(a - e) <= atol + rtol * Math.abs(e);
    }

    public static String abbreviate(double[] v) {
        if (v.length <= 24) return Arrays.toString(v);
        return Arrays.toString(Arrays.copyOf(v, 24)).replace("]", ", ...] (" + v.length + ")");
    }
}
