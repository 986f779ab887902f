package zest.diffusion.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamWTest {
    @Test
    void twoStepsMatchTheHandComputedUpdate() {
        AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.01);
        float[] p = {1.0f, -2.0f}, fixed = {3.0f};
        opt.add(p, true);
        opt.add(fixed, false);
        List<float[]> g = List.of(new float[] {0.5f, 0.1f}, new float[] {-0.2f});
        // step 1: p·(1 − 0.1·0.01), then Adam's first step is lr·sign(g) (m̂ = g, v̂ = g²)
        opt.step(g, 0.1);
        assertEquals(0.999 - 0.1, p[0], 1e-6);
        assertEquals(-1.998 - 0.1, p[1], 1e-6);
        assertEquals(3.0 + 0.1, fixed[0], 1e-6); // no decay for this one, moves against its negative gradient
        // step 2, same gradient: m̂ = g and v̂ = g² again, so the step is lr·sign(g) once more after the decay
        opt.step(g, 0.1);
        assertEquals((0.999 - 0.1) * 0.999 - 0.1, p[0], 1e-6);
        assertEquals((-1.998 - 0.1) * 0.999 - 0.1, p[1], 1e-6);
        assertEquals(3.2, fixed[0], 1e-6);
        assertEquals(2, opt.stepCount());
        assertEquals(0.9 * 0.05 + 0.1 * 0.5, opt.firstMoment(0)[0], 1e-7);
        assertEquals(0.999 * 0.001 * 0.25 + 0.001 * 0.25, opt.secondMoment(0)[0], 1e-9);
    }

    @Test
    void unequalGradientsFollowTheBiasCorrectedFormula() {
        AdamW opt = new AdamW(0.9, 0.99, 1e-3, 0.0);
        float[] p = {0.0f};
        opt.add(p, true);
        double m = 0, v = 0, ref = 0;
        double[] grads = {1.0, -3.0, 0.25};
        for (int t = 1; t <= grads.length; t++) {
            opt.step(List.of(new float[] {(float) grads[t - 1]}), 0.01);
            m = 0.9 * m + 0.1 * grads[t - 1];
            v = 0.99 * v + 0.01 * grads[t - 1] * grads[t - 1];
            ref -= 0.01 / (1 - Math.pow(0.9, t)) * m / (Math.sqrt(v) / Math.sqrt(1 - Math.pow(0.99, t)) + 1e-3);
            assertEquals(ref, p[0], 1e-6, "step " + t);
        }
    }

    @Test
    void clippingScalesTheGlobalNorm() {
        List<float[]> g = new ArrayList<>(List.of(new float[] {3f}, new float[] {4f}));
        assertEquals(5.0, GradientClipping.clip(g, 1.0), 1e-9);
        assertEquals(0.6, g.get(0)[0], 1e-6);
        assertEquals(0.8, g.get(1)[0], 1e-6);
        assertEquals(1.0, GradientClipping.clip(g, 2.0), 1e-5);
        assertEquals(0.6, g.get(0)[0], 1e-6); // under the limit: untouched
    }

    @Test
    void warmupThenCosineToTheFloor() {
        LearningRate lr = new LearningRate(1e-3, 10, 110, 0.1);
        assertEquals(1e-4, lr.at(0), 1e-12);
        assertEquals(1e-3, lr.at(9), 1e-12);
        assertEquals(1e-3, lr.at(10), 1e-12);
        assertEquals(1e-3 * (0.1 + 0.9 * 0.5), lr.at(60), 1e-12);
        assertEquals(1e-4, lr.at(110), 1e-12);
    }

    @Test
    void emaWarmsUpThenAverages() {
        Ema ema = new Ema(0.999);
        float[] w = {0f};
        ema.add(w);
        w[0] = 1f;
        ema.update(1); // decay 2/11
        assertEquals(9.0 / 11, ema.shadow(0)[0], 1e-6);
        assertEquals(0.999, ema.decayAt(1_000_000), 1e-12);
    }
}
