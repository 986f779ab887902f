package zest.diffusion.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import zest.engine.Tensor;
import zest.engine.random.TorchGenerator;

/**
 * Sampler behaviour beyond the fixture: every sampler is exact on a point-mass data distribution, state and argument
 * checks, and the ZestGuide helpers.
 */
class SchedulerBehaviourTest {
    static final String BASE = "\"beta_start\": 0.00085, \"beta_end\": 0.012, \"beta_schedule\": \"scaled_linear\", "
            + "\"num_train_timesteps\": 1000, \"set_alpha_to_one\": false, \"skip_prk_steps\": true, \"steps_offset\": 1, "
            + "\"clip_sample\": false";

    static SchedulerConfig config(String cls, String extra) {
        return SchedulerConfig.parse("{\"_class_name\": \"" + cls + "\", " + BASE + (extra.isEmpty() ? "" : ", " + extra) + "}");
    }

    static Tensor randn(long seed, int... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return Tensor.of(v, shape);
    }

    /**
     * With data concentrated on one point c, the ideal noise prediction is eps(x_t) = (x_t − sqrt(ᾱ_t)·c)/sqrt(1 − ᾱ_t)
     * and the probability-flow ODE keeps eps constant along a trajectory, so every consistent sampler (any order)
     * lands exactly on sqrt(ᾱ_end)·c + sqrt(1 − ᾱ_end)·eps (VP samplers) or c + σ_end·eps (Euler).
     */
    @Test
    void everySamplerIsExactOnAPointMass() {
        record Case(String name, Supplier<Scheduler> make, boolean sigmaSpace, boolean endsClean) {}
        List<Case> cases = List.of(
                new Case("ddim", () -> new DDIMScheduler(config("DDIMScheduler", "")), false, false),
                new Case("ddim trailing", () -> new DDIMScheduler(config("DDIMScheduler", "\"timestep_spacing\": \"trailing\"")), false, false),
                new Case("pndm", () -> new PNDMScheduler(config("PNDMScheduler", "")), false, false),
                new Case("euler leading", () -> new EulerDiscreteScheduler(config("EulerDiscreteScheduler", "\"timestep_spacing\": \"leading\"")), true, true),
                new Case("euler trailing", () -> new EulerDiscreteScheduler(config("EulerDiscreteScheduler", "\"timestep_spacing\": \"trailing\"")), true, true),
                new Case("dpm++ 1", () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", "\"solver_order\": 1")), false, true),
                new Case("dpm++ 2M", () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", "")), false, true),
                new Case("dpm++ 2M heun", () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", "\"solver_type\": \"heun\"")), false, true),
                new Case("dpm++ 3M", () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", "\"solver_order\": 3")), false, true),
                new Case("dpmsolver 2M sigma_min", () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler",
                        "\"algorithm_type\": \"dpmsolver\", \"final_sigmas_type\": \"sigma_min\"")), false, false),
                new Case("dpmsolver 3M sigma_min heun", () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler",
                        "\"algorithm_type\": \"dpmsolver\", \"final_sigmas_type\": \"sigma_min\", \"solver_order\": 3, \"solver_type\": \"heun\"")), false, false));
        float c = 0.7f;
        Tensor eps0 = randn(1, 1, 4, 8, 8);
        for (Case k : cases) {
            for (int steps : new int[] {8, 20}) {
                Scheduler s = k.make.get();
                s.setTimesteps(steps);
                float[] ac = s.alphasCumprod();
                int t0 = s.timesteps()[0];
                // a consistent start: x_t0 = sqrt(ᾱ)c + sqrt(1−ᾱ)eps (VP), or c + σ eps (σ-space)
                float[] e = eps0.floats();
                float[] x = new float[e.length];
                double a0 = ac[t0];
                for (int i = 0; i < x.length; i++)
                    x[i] = k.sigmaSpace ? (float) (c + Math.sqrt((1 - a0) / a0) * e[i]) : (float) (Math.sqrt(a0) * c + Math.sqrt(1 - a0) * e[i]);
                Tensor sample = Tensor.of(x, eps0.shape());
                for (int i = 0; i < s.numSteps(); i++) {
                    int t = s.timesteps()[i];
                    float[] u = s.scaleModelInput(sample, i).floats();
                    float[] eps = new float[u.length];
                    for (int j = 0; j < u.length; j++) eps[j] = (float) ((u[j] - Math.sqrt(ac[t]) * c) / Math.sqrt(1 - ac[t]));
                    sample = s.step(Tensor.of(eps, sample.shape()), i, sample).prevSample();
                }
                double aEnd = k.endsClean ? 1.0 : ac[0];
                float[] got = sample.floats();
                double maxErr = 0;
                for (int i = 0; i < got.length; i++) {
                    double want = Math.sqrt(aEnd) * c + Math.sqrt(1 - aEnd) * e[i];
                    maxErr = Math.max(maxErr, Math.abs(got[i] - want));
                }
                System.out.printf("point mass: %-28s %2d steps: max error %.2e%n", k.name, steps, maxErr);
                assertTrue(maxErr < 3e-5, k.name + " with " + steps + " steps: max error " + maxErr);
            }
        }
    }

    /**
     * Gaussian data x0 ~ N(0, s²): the ideal denoiser is linear, D(x_t) = sqrt(ᾱ)s²/(ᾱs² + 1 − ᾱ)·x_t, and the
     * probability-flow ODE has the closed form x/sqrt(ᾱ) ∝ sqrt(s² + σ²). Unlike the point mass this exercises the
     * multistep corrections (which must converge and beat the first-order solver).
     */
    static double gaussianError(Supplier<Scheduler> make, int steps, boolean sigmaSpace, boolean endsClean) {
        double s2 = 1.0;
        Scheduler sch = make.get();
        sch.setTimesteps(steps);
        float[] ac = sch.alphasCumprod();
        int t0 = sch.timesteps()[0];
        double a0 = ac[t0], sig0sq = (1 - a0) / a0;
        float[] z = randn(3, 1, 4, 4, 4).floats();
        float[] x = new float[z.length];
        double[] xTilde = new double[z.length];
        for (int i = 0; i < x.length; i++) {
            xTilde[i] = z[i] * Math.sqrt(s2 + sig0sq);   // a sample of the σ0-noised data in σ-space
            x[i] = (float) (sigmaSpace ? xTilde[i] : xTilde[i] * Math.sqrt(a0));
        }
        Tensor sample = Tensor.of(x, 1, 4, 4, 4);
        for (int i = 0; i < sch.numSteps(); i++) {
            int t = sch.timesteps()[i];
            double a = ac[t];
            float[] u = sch.scaleModelInput(sample, i).floats();
            float[] eps = new float[u.length];
            for (int j = 0; j < u.length; j++) {
                double d = Math.sqrt(a) * s2 / (a * s2 + 1 - a) * u[j];
                eps[j] = (float) ((u[j] - Math.sqrt(a) * d) / Math.sqrt(1 - a));
            }
            sample = sch.step(Tensor.of(eps, sample.shape()), i, sample).prevSample();
        }
        double aEnd = endsClean ? 1.0 : ac[0], sigEndSq = (1 - aEnd) / aEnd;
        float[] got = sample.floats();
        double err = 0;
        for (int i = 0; i < got.length; i++) {
            double want = xTilde[i] * Math.sqrt((s2 + sigEndSq) / (s2 + sig0sq)) * (sigmaSpace ? 1 : Math.sqrt(aEnd));
            err = Math.max(err, Math.abs(got[i] - want));
        }
        return err;
    }

    @Test
    void higherOrderSolversConvergeFaster() {
        // σ_min as the last sigma and ≥ 15 steps: no forced first-order final step, so the solver's order shows
        String lin = "\"timestep_spacing\": \"linspace\", \"final_sigmas_type\": \"sigma_min\", ";
        Supplier<Scheduler> o1 = () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", lin + "\"solver_order\": 1"));
        Supplier<Scheduler> o2 = () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", lin + "\"solver_order\": 2"));
        Supplier<Scheduler> o2h = () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", lin + "\"solver_order\": 2, \"solver_type\": \"heun\""));
        Supplier<Scheduler> o3 = () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", lin + "\"solver_order\": 3"));
        String eps = lin + "\"algorithm_type\": \"dpmsolver\", ";
        Supplier<Scheduler> e1 = () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", eps + "\"solver_order\": 1"));
        Supplier<Scheduler> e2 = () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", eps + "\"solver_order\": 2"));
        Supplier<Scheduler> e3 = () -> new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", eps + "\"solver_order\": 3"));
        Supplier<Scheduler> ddim = () -> new DDIMScheduler(config("DDIMScheduler", ""));
        Supplier<Scheduler> pndm = () -> new PNDMScheduler(config("PNDMScheduler", ""));
        Supplier<Scheduler> euler = () -> new EulerDiscreteScheduler(config("EulerDiscreteScheduler", "\"timestep_spacing\": \"leading\""));
        record Row(String name, double e16, double e32) {}
        java.util.function.BiFunction<String, Object[], Row> row = (name, a) -> {
            @SuppressWarnings("unchecked") Supplier<Scheduler> m = (Supplier<Scheduler>) a[0];
            boolean sig = (Boolean) a[1], clean = (Boolean) a[2];
            Row r = new Row(name, gaussianError(m, 16, sig, clean), gaussianError(m, 32, sig, clean));
            System.out.printf("gaussian: %-22s err@16 %.2e  err@32 %.2e  ratio %.1f%n", name, r.e16, r.e32, r.e16 / r.e32);
            assertTrue(r.e32 < r.e16, name + " does not converge");
            return r;
        };
        Row r1 = row.apply("dpm++ 1", new Object[] {o1, false, false});
        Row r2 = row.apply("dpm++ 2M", new Object[] {o2, false, false});
        Row r2h = row.apply("dpm++ 2M heun", new Object[] {o2h, false, false});
        Row r3 = row.apply("dpm++ 3M", new Object[] {o3, false, false});
        Row q1 = row.apply("dpmsolver 1", new Object[] {e1, false, false});
        Row q2 = row.apply("dpmsolver 2M", new Object[] {e2, false, false});
        Row q3 = row.apply("dpmsolver 3M", new Object[] {e3, false, false});
        Row dd = row.apply("ddim", new Object[] {ddim, false, false});
        Row pn = row.apply("pndm", new Object[] {pndm, false, false});
        row.apply("euler", new Object[] {euler, true, true});
        // pre-asymptotic at these step counts (and the first-order warm-up step caps the global order at 2), so
        // only require the multistep corrections to beat the first-order solver
        assertTrue(r2.e32 < r1.e32 && r2h.e32 < r1.e32 && r3.e32 < r1.e32, "DPM-Solver++ orders");
        assertTrue(q2.e32 < q1.e32 && q3.e32 < q1.e32, "DPM-Solver orders");
        assertTrue(pn.e32 < dd.e32, "PLMS beats DDIM");
    }

    @Test
    void ddimNeedsNoiseOnlyWithEta() {
        DDIMScheduler s = new DDIMScheduler(config("DDIMScheduler", ""));
        s.setTimesteps(10);
        Tensor x = randn(2, 1, 4, 4, 4), mo = randn(3, 1, 4, 4, 4);
        int[] calls = {0};
        Scheduler.NoiseSource counting = shape -> {
            calls[0]++;
            return randn(4, shape);
        };
        s.step(mo, 0, x, counting);
        assertEquals(0, calls[0], "eta = 0 draws no noise");
        s.setEta(1f);
        assertThrows(IllegalArgumentException.class, () -> s.step(mo, 0, x));
        Tensor withNoise = s.step(mo, 0, x, counting).prevSample();
        assertEquals(1, calls[0]);
        // eta = 1 adds σ_t·z on top of the eta-1 mean
        assertTrue(maxAbsDiff(withNoise, s.step(mo, 0, x, shape -> Tensor.zeros(shape)).prevSample()) > 1e-3);
        assertThrows(IllegalArgumentException.class, () -> s.setEta(-0.1f));
        // a torch-compatible generator plugs in directly, as diffusers' randn_tensor(generator=...) does
        Scheduler.NoiseSource gen = new TorchGenerator(0)::randn;
        assertEquals(x.numel(), s.step(mo, 0, x, gen).prevSample().numel());
    }

    @Test
    void ddimClipsAndSamplePrediction() {
        DDIMScheduler clip = new DDIMScheduler(config("DDIMScheduler", "\"clip_sample\": true, \"clip_sample_range\": 0.5"));
        clip.setTimesteps(10);
        Tensor x = randn(5, 1, 4, 4, 4).mul(10f), mo = randn(6, 1, 4, 4, 4);
        for (float v : clip.step(mo, 0, x).predOriginalSample().floats()) assertTrue(Math.abs(v) <= 0.5f);

        DDIMScheduler sample = new DDIMScheduler(config("DDIMScheduler", "\"prediction_type\": \"sample\""));
        sample.setTimesteps(10);
        assertArrayEquals(mo.floats(), sample.step(mo, 3, x).predOriginalSample().floats());
    }

    @Test
    void multistepSamplersInsistOnOrder() {
        for (Scheduler s : new Scheduler[] {new PNDMScheduler(config("PNDMScheduler", "")),
                new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", ""))}) {
            Tensor x = randn(7, 1, 4, 4, 4), mo = randn(8, 1, 4, 4, 4);
            assertThrows(IllegalStateException.class, () -> s.step(mo, 0, x), "before setTimesteps");
            s.setTimesteps(10);
            assertThrows(IllegalStateException.class, () -> s.step(mo, 1, x));
            Tensor a = s.step(mo, 0, x).prevSample();
            assertThrows(IllegalStateException.class, () -> s.step(mo, 0, x));
            s.step(mo, 1, a);
            s.setTimesteps(10);   // resets the history
            assertArrayEquals(a.floats(), s.step(mo, 0, x).prevSample().floats());
        }
        Scheduler ddim = new DDIMScheduler(config("DDIMScheduler", ""));
        assertThrows(IllegalStateException.class, ddim::timesteps);
        ddim.setTimesteps(10);
        assertThrows(IndexOutOfBoundsException.class, () -> ddim.step(randn(1, 2, 2), 10, randn(2, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> ddim.step(randn(1, 2, 2), 0, randn(2, 2, 3)));
    }

    @Test
    void zestGuideHelpers() {
        Tensor x = randn(9, 2, 4, 8, 8), eps = randn(10, 2, 4, 8, 8);
        // DDIM and the first (first-order) DPM-Solver++ step are the DDIM update itself, bit for bit
        DDIMScheduler ddim = new DDIMScheduler(config("DDIMScheduler", ""));
        ddim.setTimesteps(10);
        assertArrayEquals(ddim.step(eps, 2, x).prevSample().floats(), ddim.ddimPrevSample(eps, 2, x).floats());
        assertEquals(601, ddim.prevTimestep(2));   // 701 → 601
        assertEquals(ddim.alphasCumprod()[701], ddim.alphaCumprod(701));

        DPMSolverMultistepScheduler dpm = new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", ""));
        dpm.setTimesteps(10);
        Tensor d = dpm.ddimPrevSample(eps, 0, x);
        assertArrayEquals(dpm.step(eps, 0, x).prevSample().floats(), d.floats());
        // and equals DDIM between the same two noise levels (different float order: close, not identical)
        int[] ts = dpm.timesteps();
        Tensor viaDdim = DDIMScheduler.ddimUpdate(eps, x, dpm.alphaCumprod(ts[0]), dpm.alphaCumprod(ts[1]));
        assertTrue(maxAbsDiff(d, viaDdim) < 1e-5);

        // PNDM's first step is DDIM in another algebraic form
        PNDMScheduler pndm = new PNDMScheduler(config("PNDMScheduler", ""));
        pndm.setTimesteps(10);
        Tensor p = pndm.ddimPrevSample(eps, 0, x);
        assertTrue(maxAbsDiff(p, pndm.step(eps, 0, x).prevSample()) < 1e-5);

        // Euler: the model input is x/sqrt(σ²+1) and the DDIM update in σ-space equals the Euler step
        EulerDiscreteScheduler euler = new EulerDiscreteScheduler(config("EulerDiscreteScheduler", ""));
        euler.setTimesteps(10);
        float sigma = euler.sigmas()[0];
        Tensor in = euler.scaleModelInput(x, 0);
        assertEquals(x.floats()[5] / (float) Math.sqrt(sigma * sigma + 1f), in.floats()[5]);
        assertArrayEquals(euler.step(eps, 0, x).prevSample().floats(), euler.ddimPrevSample(eps, 0, x).floats());

        // identity input scaling for the VP samplers, and the documented initial noise scale
        assertSame(x, ddim.scaleModelInput(x, 0));
        assertEquals(1f, ddim.initNoiseSigma());
        assertEquals(1f, dpm.initNoiseSigma());
        assertNull(pndm.step(eps, 1, x).predOriginalSample());
    }

    @Test
    void scaleModelInputCarriesGradients() {
        EulerDiscreteScheduler euler = new EulerDiscreteScheduler(config("EulerDiscreteScheduler", "\"timestep_spacing\": \"leading\""));
        euler.setTimesteps(10);
        Tensor x = randn(11, 1, 2, 2, 2).requiresGrad(true);
        euler.scaleModelInput(x, 0).sum().backward();
        float sigma = euler.sigmas()[0];
        assertEquals(1f / (float) Math.sqrt(sigma * sigma + 1f), x.grad().floats()[0], 1e-7f);
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        float[] x = a.floats(), y = b.floats();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }
}
