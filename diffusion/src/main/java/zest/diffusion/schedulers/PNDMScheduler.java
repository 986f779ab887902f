package zest.diffusion.schedulers;

import java.util.ArrayList;
import java.util.List;
import zest.engine.Tensor;

/**
 * PNDM's pseudo linear multistep method (PLMS; Liu et al., "Pseudo Numerical Methods for Diffusion Models on
 * Manifolds"), as diffusers' {@code PNDMScheduler} with {@code skip_prk_steps} (the Stable Diffusion 1.x default).
 *
 * <p>There are no Runge-Kutta warm-up steps; instead diffusers runs the second timestep twice: step 0 moves from t_0
 * to t_0 − T/N with eps_0, step 1 evaluates the model there and redoes the same move from the original sample with
 * the average (eps_0 + eps_1)/2 (a Heun-like correction). After that the Adams–Bashforth combinations of the last
 * 2, 3 and 4 model outputs are used. Step k must be called with index k, in order.
 */
public final class PNDMScheduler implements Scheduler {
    private final SchedulerConfig config;
    private final float[] betas;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;

    private int numInferenceSteps;
    private int[] timesteps;
    // multistep history, exactly as diffusers keeps it: the last (up to 4) model outputs, the sample saved at
    // step 0 for the repeated step, and the number of steps taken
    private final List<float[]> ets = new ArrayList<>();
    private float[] curSample;
    private int counter;

    public PNDMScheduler(SchedulerConfig config) {
        this.config = config.forClass(SchedulerConfig.PNDM);
        if (!this.config.skipPrkSteps())
            throw new SchedulerConfigException("scheduler config: skip_prk_steps = false (PNDM's Runge-Kutta warm-up) "
                    + "is not supported; set it to true (as Stable Diffusion's configs do) or use another sampler");
        if (this.config.predictionType().equals("sample"))
            throw new SchedulerConfigException("scheduler config: prediction_type = \"sample\" is not supported by "
                    + "PNDMScheduler (diffusers supports only epsilon and v_prediction there)");
        this.betas = Schedules.betas(this.config);
        this.alphasCumprod = Schedules.alphasCumprod(betas);
        this.finalAlphaCumprod = this.config.setAlphaToOne() ? 1f : alphasCumprod[0];
    }

    @Override public SchedulerConfig config() { return config; }

    public float[] betas() { return betas.clone(); }

    public float finalAlphaCumprod() { return finalAlphaCumprod; }

    /**
     * Timesteps ascending per spacing, then PLMS order: all but the last, the second-to-last again, the last,
     * reversed; so N steps become N + 1 indices with the second one repeated (951, 901, 901, 851, ... for N = 20).
     */
    @Override public void setTimesteps(int numInferenceSteps) {
        int numTrain = config.numTrainTimesteps();
        Schedules.checkSteps(numInferenceSteps, numTrain);
        int[] asc;
        switch (config.timestepSpacing()) {
            case "leading" -> {
                int ratio = numTrain / numInferenceSteps;
                asc = new int[numInferenceSteps];
                for (int i = 0; i < numInferenceSteps; i++) asc[i] = i * ratio + config.stepsOffset();
            }
            default -> {
                // linspace / trailing give the same values as DDIM's grid, here in ascending order
                int[] desc = Schedules.ddimTimesteps(config.timestepSpacing(), numTrain, numInferenceSteps, 0);
                asc = new int[desc.length];
                for (int i = 0; i < desc.length; i++) asc[i] = desc[desc.length - 1 - i];
            }
        }
        // concatenate([asc[:-1], asc[-2:-1], asc[-1:]])[::-1]; for one step asc[-2:-1] is empty
        int m = asc.length;
        int[] cat = new int[m >= 2 ? m + 1 : 1];
        System.arraycopy(asc, 0, cat, 0, m - 1);
        if (m >= 2) cat[m - 1] = asc[m - 2];
        cat[cat.length - 1] = asc[m - 1];
        int[] plms = new int[cat.length];
        for (int i = 0; i < cat.length; i++) plms[i] = cat[cat.length - 1 - i];
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = plms;
        ets.clear();
        curSample = null;
        counter = 0;
    }

    @Override public int[] timesteps() { return requireTimesteps().clone(); }

    @Override public float initNoiseSigma() { return 1f; }

    @Override public Tensor scaleModelInput(Tensor sample, int stepIndex) { return sample; }

    @Override public float alphaCumprod(int t) { return alphasCumprod[t]; }

    @Override public float[] alphasCumprod() { return alphasCumprod.clone(); }

    @Override public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseSource noise) {
        int[] ts = requireTimesteps();
        if (stepIndex != counter)
            throw new IllegalStateException("PNDM steps must be taken in order: expected step index " + counter
                    + ", got " + stepIndex + " (call setTimesteps to start again)");
        if (stepIndex >= ts.length)
            throw new IndexOutOfBoundsException("step index " + stepIndex + " outside 0.." + (ts.length - 1));
        float[] mo = Schedules.values(modelOutput, sample, "model output");
        float[] x = Schedules.values(sample, null, "sample");

        int ratio = config.numTrainTimesteps() / numInferenceSteps;
        int timestep = ts[stepIndex];
        int prevTimestep = timestep - ratio;
        if (counter != 1) {
            // keep at most the last 3 before appending: the 4th-order formula needs 4
            while (ets.size() > 3) ets.removeFirst();
            // copies: floats() may share the caller's buffer, and the history outlives this call
            ets.add(mo.clone());
        } else {
            // the repeated timestep: redo the move from the previous timestep to this one
            prevTimestep = timestep;
            timestep = timestep + ratio;
        }

        int n = x.length;
        float[] eps = new float[n];
        if (ets.size() == 1 && counter == 0) {
            eps = mo;
            curSample = x.clone();
        } else if (ets.size() == 1 && counter == 1) {
            float[] e1 = ets.getLast();
            for (int i = 0; i < n; i++) eps[i] = (mo[i] + e1[i]) / 2f;
            x = curSample;
            curSample = null;
        } else if (ets.size() == 2) {
            float[] e1 = ets.get(1), e2 = ets.get(0);
            for (int i = 0; i < n; i++) eps[i] = (3f * e1[i] - e2[i]) / 2f;
        } else if (ets.size() == 3) {
            float[] e1 = ets.get(2), e2 = ets.get(1), e3 = ets.get(0);
            for (int i = 0; i < n; i++) eps[i] = (23f * e1[i] - 16f * e2[i] + 5f * e3[i]) / 12f;
        } else {
            int k = ets.size();
            float[] e1 = ets.get(k - 1), e2 = ets.get(k - 2), e3 = ets.get(k - 3), e4 = ets.get(k - 4);
            float c = (float) (1.0 / 24.0);
            for (int i = 0; i < n; i++)
                eps[i] = c * (55f * e1[i] - 59f * e2[i] + 37f * e3[i] - 9f * e4[i]);
        }

        float[] prev = prevSample(x, timestep, prevTimestep, eps);
        counter++;
        return new StepResult(Schedules.tensor(prev, sample), null);
    }

    /**
     * Formula (9) of the PNDM paper: x_prev = sqrt(ᾱ_prev/ᾱ_t)·x − (ᾱ_prev − ᾱ_t)·eps /
     * (ᾱ_t·sqrt(1−ᾱ_prev) + sqrt(ᾱ_t·(1−ᾱ_t)·ᾱ_prev)), which equals the DDIM update.
     */
    private float[] prevSample(float[] x, int timestep, int prevTimestep, float[] modelOutput) {
        float alphaProdT = alphasCumprod[timestep];
        float alphaProdTPrev = prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod;
        float betaProdT = 1f - alphaProdT;
        float betaProdTPrev = 1f - alphaProdTPrev;
        int n = x.length;
        float[] eps = modelOutput;
        if (config.predictionType().equals("v_prediction")) {
            float sa = (float) Math.sqrt(alphaProdT), sb = (float) Math.sqrt(betaProdT);
            eps = new float[n];
            for (int i = 0; i < n; i++) eps[i] = sa * modelOutput[i] + sb * x[i];
        }
        float sampleCoeff = (float) Math.sqrt(alphaProdTPrev / alphaProdT);
        float denom = alphaProdT * (float) Math.sqrt(betaProdTPrev)
                + (float) Math.sqrt(alphaProdT * betaProdT * alphaProdTPrev);
        float diff = alphaProdTPrev - alphaProdT;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = sampleCoeff * x[i] - diff * eps[i] / denom;
        return out;
    }

    /**
     * DDIM from this index's timestep to t − T/N (PNDM's own target; for the repeated index 1 that is the same move
     * as index 0 makes, as diffusers' PLMS does, but starting from {@code sample}).
     */
    @Override public Tensor ddimPrevSample(Tensor eps, int stepIndex, Tensor sample) {
        int[] ts = requireTimesteps();
        if (stepIndex < 0 || stepIndex >= ts.length)
            throw new IndexOutOfBoundsException("step index " + stepIndex + " outside 0.." + (ts.length - 1));
        int ratio = config.numTrainTimesteps() / numInferenceSteps;
        int t = ts[stepIndex], prev = t - ratio;
        if (stepIndex == 1 && ts.length > 1) {
            prev = t;
            t = t + ratio;
        }
        return DDIMScheduler.ddimUpdate(eps, sample, alphasCumprod[t], prev >= 0 ? alphasCumprod[prev] : finalAlphaCumprod);
    }

    private int[] requireTimesteps() {
        if (timesteps == null) throw new IllegalStateException("call setTimesteps before using the scheduler");
        return timesteps;
    }

    @Override public String toString() { return "PNDMScheduler(" + config + ")"; }
}
