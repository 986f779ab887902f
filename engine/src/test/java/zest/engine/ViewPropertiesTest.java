package zest.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.Naive.Ref;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/**
 * Views (reshape, permute, transpose, narrow, slice, select, expand, squeeze, unsqueeze, flatten, contiguous):
 * random chains of them on random layouts against index-arithmetic references, and their gradients.
 */
class ViewPropertiesTest {

    /** One view op: the engine call and its reference on (values, shape). */
    record ViewOp(String name, UnaryOperator<Tensor> f, UnaryOperator<Ref> ref) {
        @Override public String toString() { return name; }
    }

    // ---------------------------------------------------------------- references

    static Ref permuteRef(Ref in, int[] order) {
        int[] s = in.shape(), os = new int[s.length];
        for (int i = 0; i < s.length; i++) os[i] = s[order[i]];
        double[] out = new double[in.v().length];
        int[] src = new int[s.length];
        for (int i = 0; i < out.length; i++) {
            int[] idx = Naive.unravel(i, os);
            for (int k = 0; k < s.length; k++) src[order[k]] = idx[k];
            out[i] = in.v()[Naive.ravel(src, s)];
        }
        return new Ref(out, os);
    }

    static Ref narrowRef(Ref in, int d, int start, int len) {
        int[] s = in.shape(), os = s.clone();
        os[d] = len;
        double[] out = new double[(int) Naive.numel(os)];
        for (int i = 0; i < out.length; i++) {
            int[] idx = Naive.unravel(i, os);
            idx[d] += start;
            out[i] = in.v()[Naive.ravel(idx, s)];
        }
        return new Ref(out, os);
    }

    static Ref expandRef(Ref in, int[] target) {
        double[] out = new double[(int) Naive.numel(target)];
        for (int i = 0; i < out.length; i++) out[i] = Naive.broadcastAt(in.v(), in.shape(), Naive.unravel(i, target));
        return new Ref(out, target);
    }

    static Ref reshapeRef(Ref in, int[] shape) { return new Ref(in.v(), shape); }

    // ---------------------------------------------------------------- random ops

    static ViewOp randomOp(TensorGen g, int[] s) {
        int rank = s.length;
        while (true) {
            switch (g.nextInt(10)) {
                case 0 -> { // permute, dims written positive or negative
                    if (rank < 1) continue;
                    int[] order = Naive.range(rank);
                    for (int i = rank - 1; i > 0; i--) { int j = g.nextInt(i + 1); int t = order[i]; order[i] = order[j]; order[j] = t; }
                    int[] arg = order.clone();
                    for (int i = 0; i < rank; i++) if (g.nextBoolean()) arg[i] -= rank;
                    return new ViewOp("permute" + Arrays.toString(arg), t -> t.permute(arg), r -> permuteRef(r, order));
                }
                case 1 -> { // transpose
                    if (rank < 1) continue;
                    int a = g.nextInt(rank), b = g.nextInt(rank);
                    int[] order = Naive.range(rank);
                    order[a] = b;
                    order[b] = a;
                    int aa = g.nextBoolean() ? a : a - rank;
                    return new ViewOp("transpose(" + aa + "," + b + ")", t -> t.transpose(aa, b), r -> permuteRef(r, order));
                }
                case 2 -> { // narrow
                    if (rank < 1) continue;
                    int d = g.nextInt(rank), len = g.nextInt(s[d] + 1), start = g.nextInt(s[d] - len + 1);
                    if (len == 0 && g.nextBoolean()) len = Math.min(1, s[d]);
                    int l = len, st = Math.min(start, s[d] - len);
                    return new ViewOp("narrow(" + d + "," + st + "," + l + ")", t -> t.narrow(d, st, l), r -> narrowRef(r, d, st, l));
                }
                case 3 -> { // slice with Python semantics (negative and out-of-range indices)
                    if (rank < 1) continue;
                    int d = g.nextInt(rank), n = s[d];
                    int start = g.nextInt(2 * n + 3) - n - 1, end = g.nextInt(2 * n + 3) - n - 1;
                    int ns = Math.clamp(start < 0 ? start + n : start, 0, n), ne = Math.clamp(end < 0 ? end + n : end, 0, n);
                    int len = Math.max(0, ne - ns);
                    return new ViewOp("slice(" + d + "," + start + "," + end + ")", t -> t.slice(d, start, end), r -> narrowRef(r, d, Math.min(ns, n), len));
                }
                case 4 -> { // select, index possibly negative
                    if (rank < 1) continue;
                    int d = g.nextInt(rank);
                    if (s[d] == 0) continue;
                    int i = g.nextInt(s[d]);
                    int arg = g.nextBoolean() ? i : i - s[d];
                    return new ViewOp("select(" + d + "," + arg + ")", t -> t.select(d, arg),
                            r -> reshapeRef(narrowRef(r, d, i, 1), Naive.remove(s, d)));
                }
                case 5 -> { // expand size-1 dims and maybe add a leading dim; -1 keeps a size
                    int lead = g.nextInt(2);
                    int[] target = new int[rank + lead], arg = new int[rank + lead];
                    for (int i = 0; i < lead; i++) target[i] = arg[i] = 1 + g.nextInt(3);
                    for (int i = 0; i < rank; i++) {
                        target[lead + i] = s[i] == 1 ? 1 + g.nextInt(3) : s[i];
                        arg[lead + i] = g.nextInt(3) == 0 && target[lead + i] == s[i] ? -1 : target[lead + i];
                    }
                    return new ViewOp("expand" + Arrays.toString(arg), t -> t.expand(arg), r -> expandRef(r, target));
                }
                case 6 -> { // squeeze a size-1 dim
                    int d = -1;
                    for (int i = 0; i < rank; i++) if (s[i] == 1 && g.nextBoolean()) d = i;
                    if (d < 0) continue;
                    int dd = d, arg = g.nextBoolean() ? d : d - rank;
                    return new ViewOp("squeeze(" + arg + ")", t -> t.squeeze(arg), r -> reshapeRef(r, Naive.remove(s, dd)));
                }
                case 7 -> { // unsqueeze at 0..rank (or negative)
                    if (rank >= 5) continue;
                    int d = g.nextInt(rank + 1);
                    int arg = g.nextBoolean() ? d : d - rank - 1;
                    int[] os = new int[rank + 1];
                    for (int i = 0, k = 0; i <= rank; i++) os[i] = i == d ? 1 : s[k++];
                    return new ViewOp("unsqueeze(" + arg + ")", t -> t.unsqueeze(arg), r -> reshapeRef(r, os));
                }
                case 8 -> { // flatten(start, end)
                    if (rank < 1) continue;
                    int a = g.nextInt(rank), b = a + g.nextInt(rank - a);
                    int[] os = new int[rank - (b - a)];
                    int k = 0, merged = 1;
                    for (int i = 0; i < rank; i++) {
                        if (i < a || i > b) os[k++] = s[i];
                        else { merged *= s[i]; if (i == b) os[k++] = merged; }
                    }
                    return new ViewOp("flatten(" + a + "," + b + ")", t -> t.flatten(a, b), r -> reshapeRef(r, os));
                }
                default -> { // reshape to a random factorisation, maybe with one -1
                    int n = (int) Naive.numel(s);
                    if (n == 0) continue;
                    List<Integer> dims = new ArrayList<>();
                    int left = n;
                    while (left > 1 && dims.size() < 4) {
                        int f = 2;
                        while (left % f != 0) f++;
                        int take = f;
                        if (g.nextBoolean() && left % (f * f) == 0) take = f * f;
                        dims.add(take);
                        left /= take;
                    }
                    if (left > 1) dims.add(left);
                    if (g.nextBoolean()) dims.add(g.nextInt(dims.size() + 1), 1);
                    int[] os = dims.stream().mapToInt(Integer::intValue).toArray();
                    int[] arg = os.clone();
                    if (os.length > 0 && g.nextBoolean()) arg[g.nextInt(os.length)] = -1;
                    boolean view = g.nextBoolean();
                    return new ViewOp((view ? "view" : "reshape") + Arrays.toString(arg), t -> view ? t.view(arg) : t.reshape(arg), r -> reshapeRef(r, os));
                }
            }
        }
    }

    private static List<ViewOp> chain(TensorGen g, int[] shape, int length) {
        List<ViewOp> ops = new ArrayList<>();
        Ref probe = new Ref(new double[(int) Naive.numel(shape)], shape);
        for (int i = 0; i < length; i++) {
            ViewOp op = randomOp(g, probe.shape());
            Ref next = op.ref().apply(probe);
            if (Naive.numel(next.shape()) > 200) continue;
            ops.add(op);
            probe = next;
        }
        return ops;
    }

    private static Tensor run(List<ViewOp> ops, Tensor t) {
        for (ViewOp op : ops) t = op.f().apply(t);
        return t;
    }

    @Property(tries = 300)
    void randomViewChainsMatchTheReference(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Sample x = g.sample(g.shape(0, 4, 4));
        List<ViewOp> ops = chain(g, x.shape(), 1 + g.nextInt(4));
        Ref ref = new Ref(x.v(), x.shape());
        for (ViewOp op : ops) ref = op.ref().apply(ref);
        Tensor y = run(ops, x.t());
        Naive.assertClose(y, ref, 0, 0, ops + " on " + x);
        // the bulk paths agree with element access
        Naive.assertClose(Naive.values(y.contiguous()), ref.v(), 0, 0, "contiguous()");
        double[] f = new double[y.numel()];
        float[] fl = y.toFloatArray();
        for (int i = 0; i < f.length; i++) f[i] = fl[i];
        Naive.assertClose(f, ref.v(), 0, 0, "toFloatArray()");
    }

    /**
     * Large permuted views (NCHW ↔ NHWC activations, transposed matrices, with an offset window): the bulk copy, whose
     * transposed and parallel paths only engage at these sizes, against index arithmetic.
     */
    @Property(tries = 40)
    void largePermutedViewsCopyExactly(@ForAll long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int[] shape = {1 + r.nextInt(3), 1 + r.nextInt(70), 1 + r.nextInt(40), 1 + r.nextInt(90)};
        int n = shape[0] * shape[1] * shape[2] * shape[3];
        float[] v = new float[n + 5];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        Tensor base = Tensor.of(v, n + 5).narrow(0, 5, n).reshape(shape);
        int[][] orders = {{0, 2, 3, 1}, {0, 3, 1, 2}, {0, 1, 3, 2}, {3, 2, 1, 0}, {1, 0, 3, 2}, {2, 0, 3, 1}};
        int[] order = orders[r.nextInt(orders.length)];
        Tensor p = base.permute(order);
        float[] got = p.contiguous().floats();
        int[] ps = p.shape(), idx = new int[4], src = new int[4];
        for (int i = 0; i < n; i++) {
            int rem = i;
            for (int d = 3; d >= 0; d--) { idx[d] = rem % ps[d]; rem /= ps[d]; }
            for (int k = 0; k < 4; k++) src[order[k]] = idx[k];
            int at = 5 + ((src[0] * shape[1] + src[1]) * shape[2] + src[2]) * shape[3] + src[3];
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(v[at]))
                throw new AssertionError("permute " + Arrays.toString(order) + " of " + Arrays.toString(shape) + ": element " + i);
        }
    }

    @Property(tries = 150)
    void randomViewChainsBackward(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Sample x = g.leaf(g.shape(0, 4, 3));
        List<ViewOp> ops = chain(g, x.shape(), 1 + g.nextInt(4));
        // a pointwise op after the views, so the gradient of repeated (expanded) elements differs per element
        GradCheck.of(in -> run(ops, in[0]).mul(run(ops, in[0]))).check(x);
    }

    // ---------------------------------------------------------------- specific behaviour

    @Example
    void viewsShareStorageAndReshapeOfNonContiguousCopies() {
        Tensor x = Tensor.arange(12).reshape(3, 4);
        assertSame(x.storage(), x.reshape(4, 3).storage());
        assertSame(x.storage(), x.transpose(0, 1).storage());
        assertSame(x.storage(), x.narrow(1, 1, 2).storage());
        assertSame(x.storage(), x.select(0, -1).storage());
        assertSame(x.storage(), x.unsqueeze(1).expand(3, 5, 4).storage());
        Tensor t = x.transpose(0, 1);
        assertTrue(!t.isContiguous());
        Tensor r = t.reshape(12);
        assertNotSame(x.storage(), r.storage());
        assertEquals("[0.0, 4.0, 8.0, 1.0, 5.0, 9.0, 2.0, 6.0, 10.0, 3.0, 7.0, 11.0]", Arrays.toString(r.toFloatArray()));
        // a contiguous window with an offset reshapes as a view
        Tensor w = x.narrow(0, 1, 2);
        assertSame(x.storage(), w.reshape(8).storage());
        assertEquals("[4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]", Arrays.toString(w.reshape(8).toFloatArray()));
    }

    @Example
    void sliceFollowsPython() {
        Tensor x = Tensor.arange(5);
        assertEquals("[2.0, 3.0]", Arrays.toString(x.slice(0, -3, -1).toFloatArray()));
        assertEquals("[0.0, 1.0]", Arrays.toString(x.slice(0, -10, 2).toFloatArray()));
        assertEquals("[]", Arrays.toString(x.slice(0, 3, 1).toFloatArray()));
        assertEquals("[3.0, 4.0]", Arrays.toString(x.slice(0, 3, 100).toFloatArray()));
        assertEquals(4f, x.select(0, -1).item());
    }

    @Example
    void viewErrorsNameTheShapes() {
        Tensor x = Tensor.zeros(2, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> x.reshape(4));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> x.expand(4, 3, 2));
        assertTrue(e2.getMessage().contains("[2, 3]") && e2.getMessage().contains("[4, 3, 2]"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> x.squeeze(1));
        assertTrue(e3.getMessage().contains("[2, 3]"), e3.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(1, 2, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> x.select(0, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> x.select(0, -3));
        assertThrows(IllegalArgumentException.class, () -> x.permute(0, 0));
        assertThrows(IllegalArgumentException.class, () -> x.permute(0));
        assertThrows(IllegalArgumentException.class, () -> x.transpose(0, 2));
        assertThrows(IllegalArgumentException.class, () -> x.reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> x.unsqueeze(4));
        var e4 = assertThrows(IndexOutOfBoundsException.class, () -> x.get(2, 0));
        assertTrue(e4.getMessage().contains("[2, 3]"), e4.getMessage());
    }

    @Example
    void flattenAndExpandEdgeCases() {
        Tensor x = Tensor.arange(6).reshape(1, 2, 3);
        assertEquals("[6]", Arrays.toString(x.flatten(0, -1).shape()));
        assertEquals("[1, 6]", Arrays.toString(x.flatten(1, 2).shape()));
        assertEquals("[2, 2, 3]", Arrays.toString(x.expand(2, -1, -1).shape()));
        assertSame(x, x.expand(1, 2, 3));
        Tensor s = Tensor.scalar(5).expand(2, 2);
        assertEquals("[5.0, 5.0, 5.0, 5.0]", Arrays.toString(s.toFloatArray()));
    }
}
