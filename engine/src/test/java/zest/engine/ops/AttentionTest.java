package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/**
 * Scaled dot-product attention: both paths (fused kernel, differentiable composition) against a double reference
 * and against each other; gradients through the output and through the probabilities.
 */
class AttentionTest {

    /** Sizes of one problem. */
    private record Dims(int b, int h, int lq, int lk, int d, int dv) {
        int[] q() { return new int[] {b, h, lq, d}; }
        int[] k() { return new int[] {b, h, lk, d}; }
        int[] v() { return new int[] {b, h, lk, dv}; }
        int[] scores() { return new int[] {b, h, lq, lk}; }
        int[] out() { return new int[] {b, h, lq, dv}; }

        static Dims random(TensorGen g, int maxLen) {
            return new Dims(1 + g.nextInt(2), 1 + g.nextInt(3), 1 + g.nextInt(maxLen), 1 + g.nextInt(maxLen),
                    1 + g.nextInt(5), 1 + g.nextInt(5));
        }
    }

    /** Probabilities and output in double; bias (nullable) broadcast from its own shape. */
    private static Naive.Ref[] reference(Dims s, double[] q, double[] k, double[] v, double[] bias, int[] biasShape, double scale) {
        double[] probs = new double[s.b() * s.h() * s.lq() * s.lk()], out = new double[s.b() * s.h() * s.lq() * s.dv()];
        for (int bh = 0; bh < s.b() * s.h(); bh++)
            for (int i = 0; i < s.lq(); i++) {
                int row = (bh * s.lq() + i) * s.lk();
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < s.lk(); j++) {
                    double dot = 0;
                    for (int p = 0; p < s.d(); p++) dot += q[(bh * s.lq() + i) * s.d() + p] * k[(bh * s.lk() + j) * s.d() + p];
                    double bv = bias == null ? 0 : Naive.broadcastAt(bias, biasShape, new int[] {bh / s.h(), bh % s.h(), i, j});
                    probs[row + j] = scale * dot + bv;
                    max = Math.max(max, probs[row + j]);
                }
                double sum = 0;
                for (int j = 0; j < s.lk(); j++) sum += probs[row + j] = Math.exp(probs[row + j] - max);
                for (int j = 0; j < s.lk(); j++) probs[row + j] /= sum;
                for (int c = 0; c < s.dv(); c++) {
                    double acc = 0;
                    for (int j = 0; j < s.lk(); j++) acc += probs[row + j] * v[(bh * s.lk() + j) * s.dv() + c];
                    out[(bh * s.lq() + i) * s.dv() + c] = acc;
                }
            }
        return new Naive.Ref[] {new Naive.Ref(out, s.out()), new Naive.Ref(probs, s.scores())};
    }

    /** Like g.sample, or (half the time) a [B, L, H, D] tensor permuted to [B, H, L, D], as attention layers make. */
    private static Sample headsView(TensorGen g, int[] shape) {
        if (g.nextBoolean()) return g.sample(shape);
        int[] stored = {shape[0], shape[2], shape[1], shape[3]};
        Sample s = g.sample(g.uniformDist(-2, 2), TensorGen.Layout.CONTIGUOUS, stored);
        double[] v = new double[s.v().length];
        for (int i = 0; i < v.length; i++) {
            int[] idx = Naive.unravel(i, shape); // [b, h, l, d] ← stored [b, l, h, d]
            v[i] = s.v()[Naive.ravel(new int[] {idx[0], idx[2], idx[1], idx[3]}, stored)];
        }
        return new Sample(s.t().permute(0, 2, 1, 3), v, shape, TensorGen.Layout.PERMUTED);
    }

    // ---------------------------------------------------------------- forward

    @Property(tries = 50)
    void bothPathsMatchTheReference(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Dims s = Dims.random(g, 20);
        Sample q = headsView(g, s.q()), k = headsView(g, s.k()), v = headsView(g, s.v());
        Sample bias = g.nextBoolean() ? g.sample(g.broadcastableTo(s.scores())) : null;
        float scale = (float) g.uniform(0.2, 1.5);
        Naive.Ref[] ref = reference(s, q.v(), k.v(), v.v(), bias == null ? null : bias.v(), bias == null ? null : bias.shape(), scale);
        String what = "q " + q + " k " + k + " v " + v + " bias " + bias;

        Attention.Result fused = Attention.sdpa(q.t(), k.t(), v.t(), bias == null ? null : bias.t(), scale, false);
        assertNull(fused.probs());
        Naive.assertClose(fused.output(), ref[0], 1e-5, 1e-5, "fused " + what);

        Attention.Result composed = Attention.sdpa(q.t(), k.t(), v.t(), bias == null ? null : bias.t(), scale, true);
        Naive.assertClose(composed.output(), ref[0], 1e-5, 1e-5, "composed " + what);
        Naive.assertClose(composed.probs(), ref[1], 1e-6, 1e-5, "probs " + what);
    }

    /** Long sequences span several query blocks and go through the blocked GEMM; the paths agree to ~1e-6. */
    @Example
    void fusedAndComposedPathsAgreeOnLongSequences() {
        TensorGen g = new TensorGen(5);
        Dims s = new Dims(1, 3, 300, 150, 40, 24);
        Tensor q = headsView(g, s.q()).t(), k = headsView(g, s.k()).t(), v = g.sample(s.v()).t();
        Tensor bias = g.sample(1, 1, 1, s.lk()).t();
        try (var ignored = GradMode.noGrad()) {
            Tensor fused = Attention.sdpa(q, k, v, bias, 0.158f, false).output();
            Tensor composed = Attention.sdpa(q, k, v, bias, 0.158f, true).output();
            double[] a = Naive.values(fused), e = Naive.values(composed);
            double max = 0;
            for (double x : e) max = Math.max(max, Math.abs(x));
            Naive.assertClose(a, e, 1e-6 * max, 1e-6, "fused vs composed");
        }
    }

    /** The fused output is laid out [B, Lq, H, Dv] in memory, so merging heads is a free view. */
    @Example
    void fusedOutputMergesHeadsWithoutACopy() {
        TensorGen g = new TensorGen(9);
        Dims s = new Dims(2, 4, 5, 6, 3, 3);
        Tensor out = Attention.sdpa(g.sample(s.q()).t(), g.sample(s.k()).t(), g.sample(s.v()).t(), null, 0.5f, false).output();
        assertTrue(out.transpose(1, 2).isContiguous());
    }

    /** A key-padding mask of −∞ (every third key), over a row long enough for the vector loops. */
    @Example
    void maskedKeysGetZeroProbability() {
        TensorGen g = new TensorGen(2);
        Dims s = new Dims(1, 2, 3, 37, 4, 3);
        float[] mask = new float[s.lk()];
        double[] bv = new double[s.lk()];
        for (int j = 0; j < mask.length; j += 3) { mask[j] = Float.NEGATIVE_INFINITY; bv[j] = Double.NEGATIVE_INFINITY; }
        Sample q = g.sample(s.q()), k = g.sample(s.k()), v = g.sample(s.v());
        Tensor bias = Tensor.of(mask, 1, 1, 1, s.lk());
        Naive.Ref[] ref = reference(s, q.v(), k.v(), v.v(), bv, new int[] {1, 1, 1, s.lk()}, 1);
        Naive.assertClose(Attention.sdpa(q.t(), k.t(), v.t(), bias, 1, false).output(), ref[0], 1e-5, 1e-5, "fused");
        Attention.Result r = Attention.sdpa(q.t(), k.t(), v.t(), bias, 1, true);
        Naive.assertClose(r.probs(), ref[1], 1e-6, 1e-5, "probs");
    }

    // ---------------------------------------------------------------- gradients

    /** A loss on both the output and the probabilities (as ZestGuide) reaches q, k, v and the bias. */
    @Property(tries = 25)
    void gradientsFlowThroughOutputAndProbs(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Dims s = new Dims(1 + g.nextInt(2), 1 + g.nextInt(2), 1 + g.nextInt(4), 1 + g.nextInt(4), 1 + g.nextInt(3), 1 + g.nextInt(3));
        Tensor q = g.leaf(s.q()).t().requiresGrad(true), k = g.leaf(s.k()).t().requiresGrad(true);
        Tensor v = g.leaf(s.v()).t().requiresGrad(g.nextBoolean());
        Tensor bias = g.leaf(g.broadcastableTo(s.scores())).t().requiresGrad(g.nextBoolean());
        float scale = (float) g.uniform(0.3, 1);
        GradCheck.ofMulti(in -> {
            Attention.Result r = Attention.sdpa(in[0], in[1], in[2], in[3], scale, true);
            return List.of(r.output(), r.probs());
        }).check(q, k, v, bias);
    }

    /**
     * Output only: the fused kernel's own backward (probabilities recomputed per block) against finite differences;
     * a bias that needs a gradient takes the composition instead.
     */
    @Property(tries = 25)
    void outputOnlyGradientsMatchFiniteDifferences(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Dims s = Dims.random(g, 5);
        Tensor q = g.leaf(s.q()).t().requiresGrad(g.nextInt(4) != 0), k = g.leaf(s.k()).t().requiresGrad(g.nextBoolean());
        Tensor v = g.leaf(s.v()).t().requiresGrad(true);
        boolean withBias = g.nextBoolean();
        Tensor bias = g.leaf(g.broadcastableTo(s.scores())).t().requiresGrad(withBias && g.nextInt(3) == 0);
        float scale = (float) g.uniform(0.3, 1);
        GradCheck.of(in -> Attention.sdpa(in[0], in[1], in[2], withBias ? in[3] : null, scale, false).output()).check(q, k, v, bias);
    }

    /** Several query blocks per head: the fused backward agrees with the composition's gradients. */
    @Example
    void fusedBackwardMatchesTheComposedGradients() {
        TensorGen g = new TensorGen(21);
        Dims s = new Dims(2, 2, 300, 150, 24, 16);
        Tensor q = headsView(g, s.q()).t(), k = headsView(g, s.k()).t(), v = g.sample(s.v()).t();
        Tensor bias = g.sample(2, 1, 1, s.lk()).t();
        Tensor gradOut = g.sample(s.out()).t();
        Tensor[][] grads = new Tensor[2][];
        for (int path = 0; path < 2; path++) {
            Tensor ql = q.detach().requiresGrad(true), kl = k.detach().requiresGrad(true), vl = v.detach().requiresGrad(true);
            Attention.Result r = Attention.sdpa(ql, kl, vl, bias, 0.2f, path == 1);
            assertTrue(path == 1 || r.probs() == null);
            r.output().backward(gradOut);
            grads[path] = new Tensor[] {ql.grad(), kl.grad(), vl.grad()};
        }
        for (int i = 0; i < 3; i++) {
            double[] e = Naive.values(grads[1][i]);
            double max = 0;
            for (double x : e) max = Math.max(max, Math.abs(x));
            Naive.assertClose(Naive.values(grads[0][i]), e, 1e-5 * max, 1e-4, "gradient of input " + i);
        }
    }

    @Example
    void recordsAGraphOnlyWhenNeeded() {
        Tensor q = Tensor.ones(1, 1, 2, 2), k = Tensor.ones(1, 1, 3, 2), v = Tensor.ones(1, 1, 3, 2);
        assertTrue(!Attention.sdpa(q, k, v, null, 1, false).output().requiresGrad());
        Tensor qg = Tensor.ones(1, 1, 2, 2).requiresGrad(true);
        assertTrue(Attention.sdpa(qg, k, v, null, 1, false).output().requiresGrad());
        Attention.Result r = Attention.sdpa(qg, k, v, null, 1, true);
        assertTrue(r.output().requiresGrad() && r.probs().requiresGrad());
        assertNotNull(r.probs());
        try (var ignored = GradMode.noGrad()) {
            assertTrue(!Attention.sdpa(qg, k, v, null, 1, false).output().requiresGrad());
        }
    }

    @Example
    void rejectsMismatchedShapes() {
        Tensor q = Tensor.zeros(1, 2, 3, 4);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Attention.sdpa(q, Tensor.zeros(1, 2, 5, 3), Tensor.zeros(1, 2, 5, 4), null, 1, false));
        assertTrue(e.getMessage().contains("[1, 2, 3, 4]") && e.getMessage().contains("[1, 2, 5, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Attention.sdpa(q, Tensor.zeros(1, 2, 5, 4), Tensor.zeros(1, 2, 6, 4), null, 1, false));
        assertThrows(IllegalArgumentException.class, () -> Attention.sdpa(q, Tensor.zeros(1, 2, 0, 4), Tensor.zeros(1, 2, 0, 4), null, 1, false));
        assertThrows(IllegalArgumentException.class, () -> Attention.sdpa(q, Tensor.zeros(1, 3, 5, 4), Tensor.zeros(1, 3, 5, 4), null, 1, false));
        assertThrows(IllegalArgumentException.class, () -> Attention.sdpa(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 5, 4), Tensor.zeros(2, 5, 4), null, 1, false));
        var b = assertThrows(IllegalArgumentException.class,
                () -> Attention.sdpa(q, Tensor.zeros(1, 2, 5, 4), Tensor.zeros(1, 2, 5, 4), Tensor.zeros(4, 5), 1, false));
        assertTrue(b.getMessage().contains("[4, 5]") && b.getMessage().contains("[1, 2, 3, 5]"), b.getMessage());
    }
}
