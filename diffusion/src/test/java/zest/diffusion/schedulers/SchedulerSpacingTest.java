package zest.diffusion.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Timestep grids for every spacing, against values worked out by hand from diffusers 0.35.2's formulas
 * (T = 1000, NumPy rounding = half to even):
 * <ul>
 *   <li>DDIM/PNDM leading: (arange(N)·(T//N))[::-1] + steps_offset
 *   <li>trailing: round(arange(T, 0, −T/N)) − 1
 *   <li>linspace: round(linspace(0, T−1, N))[::-1] (Euler: not rounded)
 *   <li>DPM-Solver: the same with N + 1 points and the last (t ≈ 0) one dropped; leading uses T//(N+1)
 * </ul>
 */
class SchedulerSpacingTest {
    static final String BASE = "\"beta_start\": 0.00085, \"beta_end\": 0.012, \"beta_schedule\": \"scaled_linear\", "
            + "\"num_train_timesteps\": 1000, \"set_alpha_to_one\": false, \"skip_prk_steps\": true, \"steps_offset\": 1";

    static SchedulerConfig config(String cls, String spacing) {
        return SchedulerConfig.parse("{\"_class_name\": \"" + cls + "\", " + BASE + ", \"timestep_spacing\": \"" + spacing + "\"}");
    }

    static int[] ts(Scheduler s, int n) {
        s.setTimesteps(n);
        return s.timesteps();
    }

    @Test
    void ddimTrailing() {
        Scheduler s = new DDIMScheduler(config("DDIMScheduler", "trailing"));
        // T/N = 100: 1000, 900, ..., 100, minus 1
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, ts(s, 10));
        // T/7 = 142.857…: 1000, 857.14, 714.29, 571.43, 428.57, 285.71, 142.86 → rounded, minus 1
        assertArrayEquals(new int[] {999, 856, 713, 570, 428, 285, 142}, ts(s, 7));
        // T/3 = 333.33…: 1000, 666.67, 333.33
        assertArrayEquals(new int[] {999, 666, 332}, ts(s, 3));
        // 166.67 steps: 1000, 833.33, 666.67, 500, 333.33, 166.67 → 1000, 833, 667, 500, 333, 167
        assertArrayEquals(new int[] {999, 832, 666, 499, 332, 166}, ts(s, 6));
        // N = 61: NumPy's float arange yields a 62nd value ≈ 0 (a spurious t = −1 in diffusers), which we drop;
        // the last real one is round(1000 − 60·1000/61) − 1 = round(16.39) − 1 = 15
        int[] t61 = ts(s, 61);
        assertEquals(61, t61.length);
        assertEquals(999, t61[0]);
        assertEquals(15, t61[60]);
    }

    @Test
    void ddimLinspaceRoundsHalfToEven() {
        Scheduler s = new DDIMScheduler(config("DDIMScheduler", "linspace"));
        assertArrayEquals(new int[] {999, 888, 777, 666, 555, 444, 333, 222, 111, 0}, ts(s, 10));
        // step 166.5: 0, 166.5, 333, 499.5, 666, 832.5, 999 → 166.5 → 166, 499.5 → 500, 832.5 → 832
        assertArrayEquals(new int[] {999, 832, 666, 500, 333, 166, 0}, ts(s, 7));
        // step 199.8: 0, 199.8, 399.6, 599.4, 799.2, 999
        assertArrayEquals(new int[] {999, 799, 599, 400, 200, 0}, ts(s, 6));
        assertArrayEquals(new int[] {999, 500, 0}, ts(s, 3));
        assertArrayEquals(new int[] {0}, ts(s, 1));
    }

    @Test
    void ddimLeadingAddsStepsOffset() {
        Scheduler s = new DDIMScheduler(config("DDIMScheduler", "leading"));
        assertArrayEquals(new int[] {667, 334, 1}, ts(s, 3));   // T//3 = 333
        assertArrayEquals(new int[] {1}, ts(s, 1));
        assertEquals(1000, ts(s, 1000).length);
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(0));
        assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(1001));
    }

    @Test
    void pndmRepeatsTheSecondTimestep() {
        Scheduler lin = new PNDMScheduler(config("PNDMScheduler", "linspace"));
        // _timesteps = round(linspace(0, 999, 4)) = 0, 333, 666, 999; PLMS order = [0, 333, 666, 666, 999][::-1]
        assertArrayEquals(new int[] {999, 666, 666, 333, 0}, ts(lin, 4));
        Scheduler tr = new PNDMScheduler(config("PNDMScheduler", "trailing"));
        assertArrayEquals(new int[] {999, 899, 899, 799, 699, 599, 499, 399, 299, 199, 99}, ts(tr, 10));
        Scheduler lead = new PNDMScheduler(config("PNDMScheduler", "leading"));
        assertArrayEquals(new int[] {501, 1, 1}, ts(lead, 2));
        assertArrayEquals(new int[] {1}, ts(lead, 1));
    }

    @Test
    void eulerLinspaceKeepsFractionalTimesteps() {
        EulerDiscreteScheduler s = new EulerDiscreteScheduler(config("EulerDiscreteScheduler", "linspace"));
        s.setTimesteps(7);
        assertArrayEquals(new float[] {999f, 832.5f, 666f, 499.5f, 333f, 166.5f, 0f}, s.modelTimesteps());
        s.setTimesteps(6);
        assertArrayEquals(new float[] {999f, 799.2f, 599.4f, 399.6f, 199.8f, 0f}, s.modelTimesteps());
        assertArrayEquals(new int[] {999, 799, 599, 400, 200, 0}, s.timesteps());
        // sigma at a fractional t interpolates the table linearly: σ(799.2) = σ799 + 0.2·(σ800 − σ799)
        float[] table = Schedules.sigmasFromAlphasCumprod(s.alphasCumprod());
        double t = 799.2000122070312; // float32 799.2
        assertEquals((float) (table[799] + (t - 799) * ((double) table[800] - table[799])), s.sigmas()[1]);
        // linspace starts at σ_max itself: the initial noise is not rescaled by sqrt(σ² + 1)
        assertEquals(table[999], s.initNoiseSigma());
        assertEquals(table[999], s.sigmas()[0]);
        assertEquals(0f, s.sigmas()[6]);

        EulerDiscreteScheduler lead = new EulerDiscreteScheduler(config("EulerDiscreteScheduler", "leading"));
        lead.setTimesteps(4);
        assertArrayEquals(new float[] {751f, 501f, 251f, 1f}, lead.modelTimesteps());
        assertEquals((float) Math.sqrt(table[751] * table[751] + 1f), lead.initNoiseSigma());

        EulerDiscreteScheduler tr = new EulerDiscreteScheduler(config("EulerDiscreteScheduler", "trailing"));
        tr.setTimesteps(4);
        assertArrayEquals(new float[] {999f, 749f, 499f, 249f}, tr.modelTimesteps());
        assertEquals(table[999], tr.initNoiseSigma());
    }

    @Test
    void dpmSolverDropsTheLastOfNPlusOnePoints() {
        Scheduler lin = new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", "linspace"));
        // linspace(0, 999, 11) = 0, 99.9, ..., 999 → rounded 0, 100, 200, 300, 400, 500, 599, 699, 799, 899, 999
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 500, 400, 300, 200, 100}, ts(lin, 10));
        // linspace(0, 999, 8): step 142.714…: 856.29, 713.57, 570.86, 428.14, 285.43, 142.71
        assertArrayEquals(new int[] {999, 856, 714, 571, 428, 285, 143}, ts(lin, 7));
        Scheduler lead = new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", "leading"));
        // 1000 // 11 = 90: 900, 810, ..., 90, plus steps_offset
        assertArrayEquals(new int[] {901, 811, 721, 631, 541, 451, 361, 271, 181, 91}, ts(lead, 10));
        // 1000 // 21 = 47: 940, 893, ..., 47, plus 1 (the fixture's schedule)
        int[] t20 = ts(lead, 20);
        assertEquals(941, t20[0]);
        assertEquals(48, t20[19]);
        Scheduler tr = new DPMSolverMultistepScheduler(config("DPMSolverMultistepScheduler", "trailing"));
        assertArrayEquals(new int[] {999, 666, 332}, ts(tr, 3));
        assertArrayEquals(new int[] {999, 799, 599, 399, 199}, ts(tr, 5));
    }

    @Test
    void lambdaMinClippedRemovesTheNoisiestTimesteps() {
        // cosine schedule: λ(t) → −∞ at t = 999; clipping at −5.1 (diffusers' suggestion for it) trims the top
        SchedulerConfig c = SchedulerConfig.parse("{\"_class_name\": \"DPMSolverMultistepScheduler\", "
                + "\"beta_schedule\": \"squaredcos_cap_v2\", \"lambda_min_clipped\": -5.1, \"timestep_spacing\": \"linspace\"}");
        DPMSolverMultistepScheduler s = new DPMSolverMultistepScheduler(c);
        s.setTimesteps(10);
        int first = s.timesteps()[0];
        assertTrue(first < 999, "first timestep " + first);
        float[] ac = s.alphasCumprod();
        double lambdaFirst = Math.log(Math.sqrt(ac[first])) - Math.log(Math.sqrt(1 - ac[first]));
        assertTrue(lambdaFirst >= -5.1 - 0.05, "λ at the first timestep " + lambdaFirst);
    }

    @Test
    void karrasSigmasForDpmSolver() {
        SchedulerConfig c = SchedulerConfig.parse("{\"_class_name\": \"DPMSolverMultistepScheduler\", " + BASE
                + ", \"use_karras_sigmas\": true}");
        DPMSolverMultistepScheduler s = new DPMSolverMultistepScheduler(c);
        s.setTimesteps(10);
        float[] table = Schedules.sigmasFromAlphasCumprod(s.alphasCumprod());
        float[] sig = s.sigmas();
        int[] t = s.timesteps();
        assertEquals(11, sig.length);
        assertEquals(table[999], sig[0]);
        assertEquals(table[0], sig[9], 1e-6f);
        assertEquals(0f, sig[10]);
        // timesteps = round(_sigma_to_t(σ_i)) (values from the same formulas evaluated with NumPy)
        assertArrayEquals(new int[] {999, 916, 815, 687, 523, 327, 146, 41, 7, 0}, t);
        // ρ = 7: σ_i^(1/7) is linear in i
        double a = Math.pow(table[999], 1 / 7.0), b = Math.pow(table[0], 1 / 7.0);
        for (int i = 0; i < 10; i++) {
            assertEquals(Math.pow(a + i / 9.0 * (b - a), 7), sig[i], 1e-6 * sig[i]);
            if (i > 0) assertTrue(t[i] < t[i - 1] && sig[i] < sig[i - 1]);
        }
    }

    @Test
    void eulerKarrasAndLogLinear() {
        SchedulerConfig k = SchedulerConfig.parse("{\"_class_name\": \"EulerDiscreteScheduler\", " + BASE
                + ", \"use_karras_sigmas\": true, \"timestep_spacing\": \"leading\"}");
        EulerDiscreteScheduler s = new EulerDiscreteScheduler(k);
        s.setTimesteps(10);
        float[] table = Schedules.sigmasFromAlphasCumprod(s.alphasCumprod());
        // Karras between the interpolated schedule's ends: σ(901) and σ(1); timesteps fractional from log σ
        assertEquals(table[901], s.sigmas()[0], 1e-5f);
        assertEquals(table[1], s.sigmas()[9], 1e-6f);
        float[] want = {901f, 815.0175f, 710.5005f, 581.6552f, 426.5304f, 260.2430f, 121.1410f, 40.2724f, 9.3015f, 1f};
        float[] got = s.modelTimesteps();
        for (int i = 0; i < 10; i++) assertEquals(want[i], got[i], 2e-3f, "t[" + i + "]");

        SchedulerConfig ll = SchedulerConfig.parse("{\"_class_name\": \"EulerDiscreteScheduler\", " + BASE
                + ", \"interpolation_type\": \"log_linear\"}");
        EulerDiscreteScheduler l = new EulerDiscreteScheduler(ll);
        l.setTimesteps(4);
        float[] sig = l.sigmas();
        // diffusers builds N + 1 log-spaced sigmas from σ_max to σ_min, then appends 0 (the 0 is never reached)
        assertEquals(6, sig.length);
        assertEquals(table[999], sig[0], 1e-5f * table[999]);
        assertEquals(table[0], sig[4], 1e-5f * table[0]);
        assertEquals(Math.sqrt(sig[1] * (double) sig[3]), sig[2], 1e-5 * sig[2]);
    }
}
