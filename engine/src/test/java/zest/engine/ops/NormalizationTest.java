package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/** Group and layer normalization: forward vs a double-precision reference, backward vs finite differences. */
class NormalizationTest {

    // ---------------------------------------------------------------- references

    /** Normalizes each group of `len` consecutive values; the affine index of value i is channelOf(i). */
    private static double[] normalizeGroups(double[] x, int len, double eps, double[] w, double[] b, java.util.function.IntUnaryOperator channelOf) {
        double[] y = new double[x.length];
        for (int start = 0; start < x.length; start += len) {
            double mean = 0, var = 0;
            for (int i = 0; i < len; i++) mean += x[start + i];
            mean /= len;
            for (int i = 0; i < len; i++) var += (x[start + i] - mean) * (x[start + i] - mean);
            var /= len;
            for (int i = 0; i < len; i++) {
                int c = channelOf.applyAsInt(start + i);
                y[start + i] = (x[start + i] - mean) / Math.sqrt(var + eps) * (w == null ? 1 : w[c]) + (b == null ? 0 : b[c]);
            }
        }
        return y;
    }

    private static double[] groupNormRef(double[] x, int[] shape, int groups, double[] w, double[] b, double eps) {
        int c = shape[1], s = x.length / Math.max(shape[0] * c, 1);
        return normalizeGroups(x, c / groups * s, eps, w, b, i -> (i / s) % c);
    }

    private static double[] layerNormRef(double[] x, int d, double[] w, double[] b, double eps) {
        return normalizeGroups(x, d, eps, w, b, i -> i % d);
    }

    /**
     * Values whose consecutive runs of {@code len} (the normalized groups, in row-major order) alternate around
     * ±1.5, so no group has a tiny variance: there the normalization is so steep that finite differences with a
     * float-sized step cannot follow it.
     */
    private static java.util.function.DoubleSupplier spread(TensorGen g, int len) {
        int[] k = {0};
        return () -> (float) (g.uniform(-1, 1) + ((k[0]++ % len) % 2 == 0 ? 1.5 : -1.5));
    }

    /** [N, C, *spatial] with C = groups·(channels per group). */
    private static int[] groupNormShape(TensorGen g, int groups) {
        int spatialDims = g.nextInt(3);
        int[] s = new int[2 + spatialDims];
        s[0] = 1 + g.nextInt(2);
        s[1] = groups * (1 + g.nextInt(3));
        for (int d = 2; d < s.length; d++) s[d] = 1 + g.nextInt(3);
        return s;
    }

    // ---------------------------------------------------------------- group norm

    @Property(tries = 50)
    void groupNormMatchesReference(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int groups = 1 + g.nextInt(3);
        int[] shape = groupNormShape(g, groups);
        Sample x = g.sample(g.uniformDist(-3, 3), shape);
        boolean affine = g.nextBoolean();
        Sample w = affine ? g.sample(shape[1]) : null, b = affine && g.nextBoolean() ? g.sample(shape[1]) : null;
        float eps = g.nextBoolean() ? 1e-5f : 1e-6f;
        Tensor y = Normalization.groupNorm(x.t(), groups, w == null ? null : w.t(), b == null ? null : b.t(), eps);
        double[] ref = groupNormRef(x.v(), shape, groups, w == null ? null : w.v(), b == null ? null : b.v(), eps);
        Naive.assertClose(y, ref, shape, 2e-5, 2e-5, "groupNorm " + x + " groups " + groups);
    }

    @Property(tries = 30)
    void groupNormGradients(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int groups = 1 + g.nextInt(2);
        int[] shape = groupNormShape(g, groups);
        int groupLen = shape[1] / groups * (int) (Naive.numel(shape) / (shape[0] * shape[1]));
        Tensor x = g.leaf(spread(g, groupLen), shape).t().requiresGrad(true);
        Tensor w = g.leaf(shape[1]).t().requiresGrad(g.nextBoolean());
        Tensor b = g.leaf(shape[1]).t().requiresGrad(true);
        GradCheck.of(in -> Normalization.groupNorm(in[0], groups, in[1], in[2], 1e-5f)).tolerance(3e-3, 3e-2).check(x, w, b);
    }

    @Property(tries = 15)
    void groupNormGradientWithoutAffine(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] shape = groupNormShape(g, 2);
        int groupLen = shape[1] / 2 * (int) (Naive.numel(shape) / (shape[0] * shape[1]));
        Tensor x = g.leaf(spread(g, groupLen), shape).t().requiresGrad(true);
        GradCheck.of(in -> Normalization.groupNorm(in[0], 2, null, null, 1e-5f)).tolerance(3e-3, 3e-2).check(x);
    }

    @Example
    void groupNormIsAccurateForALargeMean() {
        TensorGen g = new TensorGen(7);
        int[] shape = {2, 4, 8, 8};
        double[] v = g.values(2 * 4 * 64, () -> (float) (1000 + g.uniform(-0.01, 0.01)));
        Tensor y = Normalization.groupNorm(TensorGen.tensor(v, shape), 2, null, null, 1e-6f);
        // the spread (0.006) is ~100 float steps at 1000: folding the mean into the affine shift would leave
        // ~1% errors; the only error left is the float rounding of the mean itself (≤ 3e-5 / 0.006)
        Naive.assertClose(y, groupNormRef(v, shape, 2, null, null, 1e-6), shape, 6e-3, 0, "large mean");
    }

    @Example
    void groupNormRejectsBadShapes() {
        Tensor x = Tensor.zeros(1, 6, 2, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> Normalization.groupNorm(x, 4, null, null, 1e-5f));
        assertTrue(e.getMessage().contains("6 channels") && e.getMessage().contains("4 groups"), e.getMessage());
        var w = assertThrows(IllegalArgumentException.class, () -> Normalization.groupNorm(x, 3, Tensor.ones(5), null, 1e-5f));
        assertTrue(w.getMessage().contains("[6]") && w.getMessage().contains("[5]"), w.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Normalization.groupNorm(Tensor.zeros(6), 3, null, null, 1e-5f));
    }

    // ---------------------------------------------------------------- layer norm

    @Property(tries = 50)
    void layerNormMatchesReference(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 3, 5);
        int d = shape[shape.length - 1];
        Sample x = g.sample(g.uniformDist(-3, 3), shape);
        boolean affine = g.nextBoolean();
        Sample w = affine ? g.sample(d) : null, b = affine || g.nextBoolean() ? g.sample(d) : null;
        Tensor y = Normalization.layerNorm(x.t(), w == null ? null : w.t(), b == null ? null : b.t(), 1e-5f);
        Naive.assertClose(y, layerNormRef(x.v(), d, w == null ? null : w.v(), b == null ? null : b.v(), 1e-5), shape,
                2e-5, 2e-5, "layerNorm " + x);
    }

    @Property(tries = 30)
    void layerNormGradients(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 3, 4);
        shape[shape.length - 1] = 2 + g.nextInt(4);
        int d = shape[shape.length - 1];
        Tensor x = g.leaf(spread(g, d), shape).t().requiresGrad(true);
        Tensor w = g.leaf(d).t().requiresGrad(true);
        Tensor b = g.leaf(d).t().requiresGrad(g.nextBoolean());
        boolean withAffine = g.nextInt(4) != 0;
        if (withAffine) GradCheck.of(in -> Normalization.layerNorm(in[0], in[1], in[2], 1e-5f)).tolerance(3e-3, 3e-2).check(x, w, b);
        else GradCheck.of(in -> Normalization.layerNorm(in[0], null, null, 1e-5f)).tolerance(3e-3, 3e-2).check(x);
    }

    @Example
    void layerNormWithoutGradModeRecordsNothing() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        try (var ignored = GradMode.noGrad()) {
            assertTrue(!Normalization.layerNorm(x, null, null, 1e-5f).requiresGrad());
        }
    }

    @Example
    void layerNormRejectsBadAffineShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.layerNorm(Tensor.zeros(3, 4), Tensor.ones(3), null, 1e-5f));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[3]"), e.getMessage());
    }
}
