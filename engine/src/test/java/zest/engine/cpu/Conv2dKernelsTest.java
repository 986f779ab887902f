package zest.engine.cpu;

import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

class Conv2dKernelsTest {

    /** Random small convolutions: strides, paddings (including padding ≥ kernel), rectangular kernels. */
    @Property(tries = 150)
    void allPassesMatchReference(@ForAll @IntRange(min = 1, max = 2) int n, @ForAll @IntRange(min = 1, max = 6) int c,
                                 @ForAll @IntRange(min = 1, max = 11) int h, @ForAll @IntRange(min = 1, max = 11) int w,
                                 @ForAll @IntRange(min = 1, max = 7) int oc,
                                 @ForAll @IntRange(min = 1, max = 4) int kh, @ForAll @IntRange(min = 1, max = 4) int kw,
                                 @ForAll @IntRange(min = 1, max = 3) int sh, @ForAll @IntRange(min = 1, max = 3) int sw,
                                 @ForAll @IntRange(max = 2) int ph, @ForAll @IntRange(max = 2) int pw,
                                 @ForAll boolean withBias, @ForAll long seed) {
        Assume.that(h + 2 * ph >= kh && w + 2 * pw >= kw);
        checkAllPasses(new Conv2dGeometry(n, c, h, w, oc, kh, kw, sh, sw, ph, pw), withBias, seed);
    }

    /** Enough channels that the patch spans several KC slices and the pixels several NR panels and threads. */
    @Example
    void largerLayersMatchReference() {
        checkAllPasses(new Conv2dGeometry(1, 37, 19, 23, 40, 3, 3, 1, 1, 1, 1), true, 1);   // stride-1 rotated path
        checkAllPasses(new Conv2dGeometry(2, 30, 17, 16, 13, 3, 3, 2, 2, 1, 1), false, 2);  // col2im path
        checkAllPasses(new Conv2dGeometry(2, 33, 9, 11, 70, 1, 1, 1, 1, 0, 0), true, 3);    // 1×1 straight GEMM
        checkAllPasses(new Conv2dGeometry(1, 4, 40, 40, 8, 3, 3, 1, 1, 1, 1), true, 4);     // many pixels, few channels
        checkAllPasses(new Conv2dGeometry(1, 120, 6, 5, 7, 3, 3, 1, 1, 1, 1), false, 5);    // forward patch > KC
        checkAllPasses(new Conv2dGeometry(1, 7, 6, 5, 120, 3, 3, 1, 1, 1, 1), false, 6);    // ∂input patch > KC
    }

    /** The col2im path must give the same answer however small its column chunks are. */
    @Example
    void chunkedColumnsMatchUnchunked() {
        Conv2dGeometry g = new Conv2dGeometry(2, 5, 13, 12, 6, 3, 2, 2, 3, 1, 1);
        Random rnd = new Random(7);
        float[] gradOut = random(rnd, g.outputSize()), w = random(rnd, g.weightSize());
        float[] whole = new float[(int) g.inputSize()], chunked = new float[(int) g.inputSize()];
        ColumnBackward.backwardInput(g, gradOut, 0, w, 0, whole, 0, Integer.MAX_VALUE);
        for (int chunk : new int[] {1, g.patchSize() * 7}) {
            ColumnBackward.backwardInput(g, gradOut, 0, w, 0, chunked, 0, chunk);
            for (int i = 0; i < whole.length; i++) assertEquals(whole[i], chunked[i], 1e-5f, "chunk " + chunk + " at " + i);
        }
    }

    /** Central differences of L(x, w) = Σ out·r, in float, against the analytic gradients. */
    @Example
    void gradientsMatchFiniteDifferences() {
        Conv2dGeometry g = new Conv2dGeometry(1, 2, 5, 4, 3, 3, 2, 2, 1, 1, 0);
        Random rnd = new Random(11);
        float[] x = random(rnd, g.inputSize()), w = random(rnd, g.weightSize()), r = random(rnd, g.outputSize());
        float[] gx = Conv2dKernels.backwardInput(r, g.n(), g.c(), g.h(), g.w(), w, g.oc(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw());
        float[] gw = Conv2dKernels.backwardWeight(r, x, g.n(), g.c(), g.h(), g.w(), g.oc(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw());
        float eps = 1e-2f;
        for (int i = 0; i < x.length; i++) {
            float keep = x[i];
            x[i] = keep + eps;
            double plus = loss(g, x, w, r);
            x[i] = keep - eps;
            double minus = loss(g, x, w, r);
            x[i] = keep;
            assertEquals((plus - minus) / (2 * eps), gx[i], 2e-3, "dL/dx[" + i + "]");
        }
        for (int i = 0; i < w.length; i++) {
            float keep = w[i];
            w[i] = keep + eps;
            double plus = loss(g, x, w, r);
            w[i] = keep - eps;
            double minus = loss(g, x, w, r);
            w[i] = keep;
            assertEquals((plus - minus) / (2 * eps), gw[i], 2e-3, "dL/dw[" + i + "]");
        }
    }

    @Example
    void biasGradientSumsEachChannel() {
        Random rnd = new Random(5);
        int n = 3, oc = 4, oh = 7, ow = 9;
        float[] gradOut = random(rnd, (long) n * oc * oh * ow);
        float[] gb = Conv2dKernels.backwardBias(gradOut, n, oc, oh, ow);
        for (int o = 0; o < oc; o++) {
            double sum = 0;
            for (int img = 0; img < n; img++) for (int i = 0; i < oh * ow; i++) sum += gradOut[(img * oc + o) * oh * ow + i];
            assertEquals(sum, gb[o], 1e-4);
        }
    }

    @Example
    void rejectsInconsistentShapes() {
        assertThrows(IllegalArgumentException.class, () -> new Conv2dGeometry(1, 1, 2, 2, 1, 5, 5, 1, 1, 1, 1));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Conv2dKernels.forward(new float[3], 1, 1, 2, 2, new float[1], 1, 1, 1, null, 1, 1, 0, 0));
    }

    private static double loss(Conv2dGeometry g, float[] x, float[] w, float[] r) {
        float[] out = Conv2dKernels.forward(x, g.n(), g.c(), g.h(), g.w(), w, g.oc(), g.kh(), g.kw(), null, g.sh(), g.sw(), g.ph(), g.pw());
        double sum = 0;
        for (int i = 0; i < out.length; i++) sum += (double) out[i] * r[i];
        return sum;
    }

    private static void checkAllPasses(Conv2dGeometry g, boolean withBias, long seed) {
        Random rnd = new Random(seed);
        float[] x = random(rnd, g.inputSize()), w = random(rnd, g.weightSize());
        float[] bias = withBias ? random(rnd, g.oc()) : null, gradOut = random(rnd, g.outputSize());
        int n = g.n(), c = g.c(), h = g.h(), wd = g.w(), oc = g.oc(), kh = g.kh(), kw = g.kw();
        float[] out = Conv2dKernels.forward(x, n, c, h, wd, w, oc, kh, kw, bias, g.sh(), g.sw(), g.ph(), g.pw());
        assertClose("forward", g, ConvReference.forward(g, x, w, bias), ConvReference.magnitude(g, x, w, 0), out, g.patchSize());
        float[] gx = Conv2dKernels.backwardInput(gradOut, n, c, h, wd, w, oc, kh, kw, g.sh(), g.sw(), g.ph(), g.pw());
        assertClose("backwardInput", g, ConvReference.backwardInput(g, gradOut, w), ConvReference.magnitude(g, gradOut, w, 1), gx, oc * kh * kw);
        float[] gw = Conv2dKernels.backwardWeight(gradOut, x, n, c, h, wd, oc, kh, kw, g.sh(), g.sw(), g.ph(), g.pw());
        assertClose("backwardWeight", g, ConvReference.backwardWeight(g, gradOut, x), ConvReference.magnitude(g, gradOut, x, 2), gw, n * g.outputPlane());
    }

    private static void assertClose(String what, Conv2dGeometry g, double[] expected, double[] magnitude, float[] got, int terms) {
        assertEquals(expected.length, got.length, what + " length");
        for (int i = 0; i < got.length; i++) {
            double tol = 2e-6 * (terms + 4) * (magnitude[i] + Math.abs(expected[i])) + 1e-30;
            if (!(Math.abs(got[i] - expected[i]) <= tol)) {
                fail(String.format("%s[%d] = %s, expected %s ± %.3g for %s", what, i, got[i], expected[i], tol, g));
            }
        }
    }

    private static float[] random(Random rnd, long size) {
        float[] x = new float[(int) size];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat() * 2 - 1;
        return x;
    }
}
