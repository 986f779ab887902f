package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/** concat / split / chunk / pad (including negative pads): forward vs index references, backward vs finite differences. */
class ShapeOpsPropertiesTest {

    /** Reference of a window along dim d: out[.., i, ..] = in[.., i + start, ..] or fill where outside. */
    private static double[] window(double[] v, int[] shape, int d, int start, int len, double fill) {
        int[] os = shape.clone();
        os[d] = len;
        double[] out = new double[(int) Naive.numel(os)];
        for (int i = 0; i < out.length; i++) {
            int[] idx = Naive.unravel(i, os);
            idx[d] += start;
            out[i] = idx[d] >= 0 && idx[d] < shape[d] ? v[Naive.ravel(idx, shape)] : fill;
        }
        return out;
    }

    @Property(tries = 80)
    void concatForwardAndBackward(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] base = g.shape(1, 4, 3);
        int d = g.nextInt(base.length), count = 1 + g.nextInt(3);
        List<Sample> parts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] s = base.clone();
            s[d] = g.nextInt(4); // size 0 allowed
            parts.add(g.sample(s));
        }
        int[] os = base.clone();
        os[d] = parts.stream().mapToInt(p -> p.shape()[d]).sum();
        double[] e = new double[(int) Naive.numel(os)];
        for (int i = 0; i < e.length; i++) {
            int[] idx = Naive.unravel(i, os);
            int k = idx[d], p = 0;
            while (k >= parts.get(p).shape()[d]) k -= parts.get(p++).shape()[d];
            idx[d] = k;
            e[i] = parts.get(p).v()[Naive.ravel(idx, parts.get(p).shape())];
        }
        int dimArg = g.nextBoolean() ? d : d - base.length;
        Tensor[] ts = parts.stream().map(Sample::t).toArray(Tensor[]::new);
        Naive.assertClose(ShapeOps.concat(dimArg, ts), e, os, 0, 0, "concat dim " + dimArg + " of " + parts);
        Tensor[] leaves = new Tensor[count];
        for (int i = 0; i < count; i++) {
            leaves[i] = g.leaf(parts.get(i).shape()).t();
            if (g.nextInt(4) != 0 || i == 0) leaves[i].requiresGrad(true);
        }
        GradCheck.of(in -> ShapeOps.concat(dimArg, in)).check(leaves);
    }

    @Property(tries = 60)
    void splitAndChunkForwardAndBackward(@ForAll long seed, @ForAll boolean chunk) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 4, 4);
        int d = g.nextInt(shape.length);
        int[] sizes;
        if (chunk) {
            int pieces = 1 + g.nextInt(3);
            shape[d] = pieces * (1 + g.nextInt(2));
            sizes = new int[pieces];
            Arrays.fill(sizes, shape[d] / pieces);
        } else {
            List<Integer> l = new ArrayList<>();
            int left = shape[d];
            while (left > 0) { int s = Math.min(left, g.nextInt(3)); l.add(s); left -= s; }
            sizes = l.stream().mapToInt(Integer::intValue).toArray();
        }
        Sample x = g.sample(shape);
        int dimArg = g.nextBoolean() ? d : d - shape.length;
        List<Tensor> out = chunk ? ShapeOps.chunk(x.t(), sizes.length, dimArg) : ShapeOps.split(x.t(), sizes, dimArg);
        assertEquals(sizes.length, out.size());
        int start = 0;
        for (int i = 0; i < sizes.length; i++) {
            int[] ps = shape.clone();
            ps[d] = sizes[i];
            Naive.assertClose(out.get(i), window(x.v(), shape, d, start, sizes[i], 0), ps, 0, 0, "piece " + i + " of " + x);
            assertTrue(out.get(i).storage() == x.t().storage(), "pieces are views");
            start += sizes[i];
        }
        Sample leaf = g.leaf(shape);
        GradCheck.ofMulti(in -> chunk ? ShapeOps.chunk(in[0], sizes.length, dimArg) : ShapeOps.split(in[0], sizes, dimArg)).check(leaf);
    }

    @Property(tries = 80)
    void padForwardAndBackwardIncludingNegativePads(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 4, 4);
        int pairs = 1 + g.nextInt(shape.length);
        int[] pads = new int[2 * pairs];
        for (int p = 0; p < pairs; p++) {
            int d = shape.length - 1 - p;
            int before = g.nextInt(4) - 1, after = g.nextInt(4) - 1;
            // crop no more than the dim holds
            if (before < 0 && after < 0 && shape[d] < 2) after = 0;
            if (before < 0 && shape[d] < 1 - after) before = 0;
            if (after < 0 && shape[d] < 1) after = 0;
            pads[2 * p] = before;
            pads[2 * p + 1] = after;
        }
        float value = g.nextBoolean() ? 0f : -1.5f;
        Sample x = g.sample(shape);
        double[] v = x.v();
        int[] s = shape.clone();
        for (int p = 0; p < pairs; p++) {
            int d = shape.length - 1 - p;
            int len = s[d] + pads[2 * p] + pads[2 * p + 1];
            v = window(v, s, d, -pads[2 * p], len, value);
            s[d] = len;
        }
        Naive.assertClose(ShapeOps.pad(x.t(), pads, value), v, s, 0, 0, "pad " + Arrays.toString(pads) + " of " + x);
        GradCheck.of(in -> ShapeOps.pad(in[0], pads, value)).check(g.leaf(shape));
    }

    @Example
    void padAlongMatchesPadOnOneDim() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals("[0.0, 1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 4.0, 5.0, 6.0, 0.0, 0.0]",
                Arrays.toString(ShapeOps.padAlong(x, 1, 1, 2).toFloatArray()));
        assertEquals("[2.0, 5.0]", Arrays.toString(ShapeOps.pad(x, new int[] {-1, -1}, 9).toFloatArray()));
        assertEquals("[9.0, 9.0, 9.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]", Arrays.toString(ShapeOps.pad(x, new int[] {0, 0, 1, 0}, 9).toFloatArray()));
    }

    @Example
    void errorsNameTheShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ShapeOps.concat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2, 4]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> ShapeOps.concat(0, Tensor.zeros(2, 3), Tensor.zeros(3)));
        assertTrue(e2.getMessage().contains("[2, 3]") && e2.getMessage().contains("[3]"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> ShapeOps.split(Tensor.zeros(5), new int[] {2, 2}, 0));
        assertTrue(e3.getMessage().contains("[2, 2]") && e3.getMessage().contains("5"), e3.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShapeOps.chunk(Tensor.zeros(5), 2, 0));
        assertThrows(IllegalArgumentException.class, () -> ShapeOps.pad(Tensor.zeros(5), new int[] {1, 1, 1, 1}, 0));
        assertThrows(IllegalArgumentException.class, () -> ShapeOps.pad(Tensor.zeros(5), new int[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> ShapeOps.concat(0));
        var e4 = assertThrows(IllegalArgumentException.class, () -> ShapeOps.concat(0, Tensor.scalar(1), Tensor.scalar(2)));
        assertTrue(e4.getMessage().contains("0-d") || e4.getMessage().contains("[]"), e4.getMessage());
    }
}
