package zest.diffusion.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;

/**
 * Every tensor of the sd-tiny {@code cases/scheduler.safetensors} fixture (diffusers 0.35.2, PyTorch CPU, float32)
 * reproduced: max |ours − theirs| / max |theirs| ≤ 1e-5 per tensor, timesteps exactly.
 */
class SchedulerParityTest {
    static final double TOL = 1e-5;
    static SafetensorsFile fx;
    static JsonNode configs;
    static double worst = 0;
    static final StringBuilder report = new StringBuilder();

    @BeforeAll
    static void open() throws Exception {
        Path p = Path.of(SchedulerParityTest.class.getResource("/sd-tiny/cases/scheduler.safetensors").toURI());
        fx = SafetensorsFile.open(p);
        configs = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build()
                .readTree(fx.metadata().get("configs"));
    }

    @AfterAll
    static void summary() {
        System.out.print(report);
        System.out.printf("scheduler parity: worst max relative error over all tensors = %.3e%n", worst);
    }

    static SchedulerConfig config(String name) { return SchedulerConfig.fromJson(configs.get(name)); }

    static float[] ref(String name) { return fx.tensor(name).toF32().floats(); }

    static int[] refInts(String name) {
        long[] l = fx.tensor(name).toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = Math.toIntExact(l[i]);
        return out;
    }

    /** Max abs error relative to the reference's max abs; records and asserts it. */
    static void check(String what, float[] got, float[] want) {
        assertEquals(want.length, got.length, what + ": length");
        double maxAbs = 0, maxErr = 0;
        int exact = 0;
        for (int i = 0; i < want.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(want[i]));
            maxErr = Math.max(maxErr, Math.abs((double) got[i] - want[i]));
            if (Float.floatToIntBits(got[i]) == Float.floatToIntBits(want[i]) || got[i] == want[i]) exact++;
        }
        double rel = maxAbs == 0 ? maxErr : maxErr / maxAbs;
        worst = Math.max(worst, rel);
        report.append(String.format("  %-36s max rel err %.3e  (max abs %.3e, bit-exact %d/%d)%n", what, rel, maxErr,
                exact, want.length));
        assertTrue(rel <= TOL, what + ": max relative error " + rel + " > " + TOL);
    }

    static Tensor slice(String name, int k) {
        Tensor t = fx.tensor(name).toF32();
        return t.select(0, k).unsqueeze(0).contiguous();
    }

    static int indexOf(int[] ts, int t) {
        for (int i = 0; i < ts.length; i++) if (ts[i] == t) return i;
        throw new AssertionError("timestep " + t + " not in schedule");
    }

    // ---------------------------------------------------------------- DDIM

    @Test
    void ddimNoiseSchedule() {
        DDIMScheduler s = new DDIMScheduler(config("ddim"));
        check("ddim.betas", s.betas(), ref("ddim.betas"));
        check("ddim.alphas_cumprod", s.alphasCumprod(), ref("ddim.alphas_cumprod"));
        check("ddim.final_alpha_cumprod", new float[] {s.finalAlphaCumprod()}, ref("ddim.final_alpha_cumprod"));
        // the same table in every sampler built from the same config
        for (Scheduler o : new Scheduler[] {new PNDMScheduler(config("pndm")), new EulerDiscreteScheduler(config("euler")),
                new DPMSolverMultistepScheduler(config("dpmpp2m"))})
            assertArrayEquals(s.alphasCumprod(), o.alphasCumprod(), o.getClass().getSimpleName());
    }

    @Test
    void ddimTimesteps() {
        DDIMScheduler s = new DDIMScheduler(config("ddim"));
        for (int n : new int[] {10, 20, 50}) {
            s.setTimesteps(n);
            assertArrayEquals(refInts("ddim.timesteps_" + n), s.timesteps(), "ddim.timesteps_" + n);
            report.append(String.format("  %-36s exact%n", "ddim.timesteps_" + n));
        }
    }

    @Test
    void ddimStep() {
        DDIMScheduler s = new DDIMScheduler(config("ddim"));
        s.setTimesteps(50);
        Tensor mo = fx.tensor("ddim.step.model_output"), x = fx.tensor("ddim.step.sample");
        int i = indexOf(s.timesteps(), refInts("ddim.step.timestep")[0]);
        Scheduler.StepResult r = s.step(mo, i, x);
        check("ddim.step.prev_sample", r.prevSample().floats(), ref("ddim.step.prev_sample"));
        check("ddim.step.pred_original_sample", r.predOriginalSample().floats(), ref("ddim.step.pred_original_sample"));
        // the ZestGuide helper is the same update
        assertArrayEquals(r.prevSample().floats(), s.ddimPrevSample(mo, i, x).floats());

        int last = indexOf(s.timesteps(), refInts("ddim.step_last.timestep")[0]);
        assertTrue(s.prevTimestep(last) < 0);
        check("ddim.step_last.prev_sample", s.step(mo, last, x).prevSample().floats(), ref("ddim.step_last.prev_sample"));
    }

    @Test
    void ddimStepWithEta() {
        DDIMScheduler s = new DDIMScheduler(config("ddim"), ref("ddim.step_eta.eta")[0]);
        s.setTimesteps(50);
        Tensor mo = fx.tensor("ddim.step.model_output"), x = fx.tensor("ddim.step.sample");
        int i = indexOf(s.timesteps(), refInts("ddim.step.timestep")[0]);
        Tensor noise = fx.tensor("ddim.step_eta.variance_noise");
        check("ddim.step_eta.prev_sample", s.step(mo, i, x, Scheduler.NoiseSource.of(noise)).prevSample().floats(),
                ref("ddim.step_eta.prev_sample"));
    }

    @Test
    void ddimVPrediction() {
        DDIMScheduler s = new DDIMScheduler(config("ddim_v"));
        assertEquals("v_prediction", s.config().predictionType());
        s.setTimesteps(50);
        Tensor mo = fx.tensor("ddim.step.model_output"), x = fx.tensor("ddim.step.sample");
        int i = indexOf(s.timesteps(), refInts("ddim.step.timestep")[0]);
        Scheduler.StepResult r = s.step(mo, i, x);
        check("ddim_v.step.prev_sample", r.prevSample().floats(), ref("ddim_v.step.prev_sample"));
        check("ddim_v.step.pred_original_sample", r.predOriginalSample().floats(), ref("ddim_v.step.pred_original_sample"));
    }

    // ---------------------------------------------------------------- PNDM

    @Test
    void pndmSequence() {
        PNDMScheduler s = new PNDMScheduler(config("pndm"));
        s.setTimesteps(20);
        int[] ts = s.timesteps();
        assertArrayEquals(refInts("pndm.timesteps_20"), ts, "pndm.timesteps_20");
        report.append(String.format("  %-36s exact (21 entries, 901 repeated)%n", "pndm.timesteps_20"));
        Tensor x = fx.tensor("pndm.sample_init");
        float[] all = new float[0];
        float[] want = ref("pndm.samples");
        for (int k = 0; k < ts.length; k++) {
            x = s.step(slice("pndm.model_outputs", k), k, x).prevSample();
            all = concat(all, x.floats());
            int per = want.length / ts.length;
            float[] wk = java.util.Arrays.copyOfRange(want, k * per, (k + 1) * per);
            check("pndm.samples[" + k + "] (t=" + ts[k] + ")", x.floats(), wk);
        }
        check("pndm.samples (all 21)", all, want);
    }

    // ---------------------------------------------------------------- Euler

    @Test
    void eulerSequence() {
        EulerDiscreteScheduler s = new EulerDiscreteScheduler(config("euler"));
        s.setTimesteps(20);
        assertArrayEquals(ref("euler.timesteps_20"), s.modelTimesteps(), "euler.timesteps_20");
        report.append(String.format("  %-36s exact%n", "euler.timesteps_20"));
        check("euler.sigmas_20", s.sigmas(), ref("euler.sigmas_20"));
        check("euler.init_noise_sigma", new float[] {s.initNoiseSigma()}, ref("euler.init_noise_sigma"));
        Tensor x = fx.tensor("euler.sample_init");
        int n = s.numSteps();
        float[] scaled = new float[0], samples = new float[0];
        for (int k = 0; k < n; k++) {
            Tensor in = s.scaleModelInput(x, k);
            scaled = concat(scaled, in.floats());
            Tensor mo = slice("euler.model_outputs", k);
            Tensor ddim = s.ddimPrevSample(mo, k, x);
            x = s.step(mo, k, x).prevSample();
            assertArrayEquals(x.floats(), ddim.floats(), "Euler step = DDIM in sigma space");
            samples = concat(samples, x.floats());
        }
        check("euler.scaled_inputs (all 20)", scaled, ref("euler.scaled_inputs"));
        check("euler.samples (all 20)", samples, ref("euler.samples"));
        float[] want = ref("euler.samples");
        check("euler.samples[19] (final)", x.floats(), java.util.Arrays.copyOfRange(want, want.length / 20 * 19, want.length));
    }

    // ---------------------------------------------------------------- DPM-Solver++ 2M

    @Test
    void dpmpp2mSequence() {
        SchedulerConfig c = config("dpmpp2m");
        assertEquals("dpmsolver++", c.algorithmType());
        assertEquals(2, c.solverOrder());
        for (Scheduler s : new Scheduler[] {new DPMSolverMultistepScheduler(c), Schedulers.fromConfig(config("ddim"), "dpmpp2m")}) {
            s.setTimesteps(20);
            assertArrayEquals(refInts("dpmpp2m.timesteps_20"), s.timesteps(), "dpmpp2m.timesteps_20");
            Tensor x = fx.tensor("dpmpp2m.sample_init");
            float[] samples = new float[0];
            for (int k = 0; k < s.numSteps(); k++) {
                x = s.step(slice("dpmpp2m.model_outputs", k), k, x).prevSample();
                samples = concat(samples, x.floats());
            }
            if (s.config().givenKeys().contains("algorithm_type") && s.config().givenKeys().contains("lambda_min_clipped")) {
                report.append(String.format("  %-36s exact%n", "dpmpp2m.timesteps_20"));
                check("dpmpp2m.samples (all 20)", samples, ref("dpmpp2m.samples"));
                float[] want = ref("dpmpp2m.samples");
                check("dpmpp2m.samples[19] (final)", x.floats(),
                        java.util.Arrays.copyOfRange(want, want.length / 20 * 19, want.length));
            } else {
                check("dpmpp2m via --sampler on DDIM config", samples, ref("dpmpp2m.samples"));
            }
        }
    }

    static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
