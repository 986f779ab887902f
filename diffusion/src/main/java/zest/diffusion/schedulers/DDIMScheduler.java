package zest.diffusion.schedulers;

import zest.engine.Tensor;

/**
 * DDIM (Song et al., "Denoising Diffusion Implicit Models"), as diffusers' {@code DDIMScheduler}: deterministic for
 * eta = 0, with eta &gt; 0 adding σ_t·noise where σ_t = eta·sqrt((1−ᾱ_prev)/(1−ᾱ_t)·(1−ᾱ_t/ᾱ_prev)).
 *
 * <p>Quirk kept from diffusers: the step always lands on t − T/N (integer division) whatever the spacing, not on
 * the next entry of the schedule; below 0 it uses {@link #finalAlphaCumprod()} (1 with {@code set_alpha_to_one},
 * else ᾱ_0, which SD uses).
 */
public final class DDIMScheduler implements Scheduler {
    private final SchedulerConfig config;
    private final float[] betas;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;
    private float eta;
    private int numInferenceSteps;
    private int[] timesteps;

    public DDIMScheduler(SchedulerConfig config) {
        this(config, 0f);
    }

    /** @param eta weight of the added noise: 0 gives DDIM, 1 gives DDPM-like ancestral sampling */
    public DDIMScheduler(SchedulerConfig config, float eta) {
        this.config = config.forClass(SchedulerConfig.DDIM);
        this.betas = Schedules.betas(this.config);
        this.alphasCumprod = Schedules.alphasCumprod(betas);
        this.finalAlphaCumprod = this.config.setAlphaToOne() ? 1f : alphasCumprod[0];
        setEta(eta);
    }

    /** Sets the noise weight used by subsequent steps (the pipeline's {@code eta} argument). */
    public void setEta(float eta) {
        if (!(eta >= 0)) throw new IllegalArgumentException("eta must be ≥ 0, got " + eta);
        this.eta = eta;
    }

    public float eta() { return eta; }

    @Override public SchedulerConfig config() { return config; }

    /** The float32 betas (a copy). */
    public float[] betas() { return betas.clone(); }

    /** ᾱ used after the last step: 1 with set_alpha_to_one, else ᾱ_0. */
    public float finalAlphaCumprod() { return finalAlphaCumprod; }

    @Override public void setTimesteps(int numInferenceSteps) {
        Schedules.checkSteps(numInferenceSteps, config.numTrainTimesteps());
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = Schedules.ddimTimesteps(config.timestepSpacing(), config.numTrainTimesteps(),
                numInferenceSteps, config.stepsOffset());
    }

    @Override public int[] timesteps() { return requireTimesteps().clone(); }

    @Override public float initNoiseSigma() { return 1f; }

    @Override public Tensor scaleModelInput(Tensor sample, int stepIndex) { return sample; }

    @Override public float alphaCumprod(int t) { return alphasCumprod[t]; }

    @Override public float[] alphasCumprod() { return alphasCumprod.clone(); }

    /** The timestep the step from {@code stepIndex} lands on: t − T // N (may be negative: then ᾱ is the final one). */
    public int prevTimestep(int stepIndex) {
        return timestepAt(stepIndex) - config.numTrainTimesteps() / numInferenceSteps;
    }

    private float alphaOrFinal(int t) { return t >= 0 ? alphasCumprod[t] : finalAlphaCumprod; }

    @Override public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseSource noise) {
        int t = timestepAt(stepIndex);
        int prevT = prevTimestep(stepIndex);
        float[] x = Schedules.values(sample, null, "sample");
        float[] mo = Schedules.values(modelOutput, sample, "model output");

        float alphaProdT = alphasCumprod[t];
        float alphaProdTPrev = alphaOrFinal(prevT);
        float betaProdT = 1f - alphaProdT;
        float sqrtA = (float) Math.sqrt(alphaProdT), sqrtB = (float) Math.sqrt(betaProdT);

        // x0 and eps estimates from the model output, per parametrisation (formula (12) of the DDIM paper)
        int n = x.length;
        float[] x0 = new float[n], epsPred = new float[n];
        switch (config.predictionType()) {
            case "epsilon" -> {
                for (int i = 0; i < n; i++) x0[i] = (x[i] - sqrtB * mo[i]) / sqrtA;
                epsPred = mo;
            }
            case "sample" -> {
                System.arraycopy(mo, 0, x0, 0, n);
                for (int i = 0; i < n; i++) epsPred[i] = (x[i] - sqrtA * x0[i]) / sqrtB;
            }
            case "v_prediction" -> {
                for (int i = 0; i < n; i++) {
                    x0[i] = sqrtA * x[i] - sqrtB * mo[i];
                    epsPred[i] = sqrtA * mo[i] + sqrtB * x[i];
                }
            }
            default -> throw new IllegalStateException("prediction_type " + config.predictionType());
        }
        if (config.clipSample()) {
            float r = (float) config.clipSampleRange();
            for (int i = 0; i < n; i++) x0[i] = Math.min(Math.max(x0[i], -r), r);
        }

        float variance = variance(alphaProdT, alphaProdTPrev);
        float stdDevT = eta * (float) Math.sqrt(variance);
        // direction pointing to x_t, then x_{t-1} = sqrt(ᾱ_prev)·x0 + direction
        float dirCoeff = (float) Math.sqrt(1f - alphaProdTPrev - stdDevT * stdDevT);
        float sqrtAPrev = (float) Math.sqrt(alphaProdTPrev);
        float[] prev = new float[n];
        for (int i = 0; i < n; i++) prev[i] = sqrtAPrev * x0[i] + dirCoeff * epsPred[i];

        if (eta > 0) {
            if (noise == null)
                throw new IllegalArgumentException("DDIM with eta > 0 needs a noise source for its variance noise");
            float[] z = Schedules.values(noise.next(sample.shape()), sample, "variance noise");
            for (int i = 0; i < n; i++) prev[i] = prev[i] + stdDevT * z[i];
        }
        return new StepResult(Schedules.tensor(prev, sample), Schedules.tensor(x0, sample));
    }

    /** (1−ᾱ_prev)/(1−ᾱ_t) · (1 − ᾱ_t/ᾱ_prev): formula (16) of the DDIM paper, in diffusers' float32 order. */
    private static float variance(float alphaProdT, float alphaProdTPrev) {
        float betaProdT = 1f - alphaProdT;
        float betaProdTPrev = 1f - alphaProdTPrev;
        return (betaProdTPrev / betaProdT) * (1f - alphaProdT / alphaProdTPrev);
    }

    @Override public Tensor ddimPrevSample(Tensor eps, int stepIndex, Tensor sample) {
        return ddimUpdate(eps, sample, alphasCumprod[timestepAt(stepIndex)], alphaOrFinal(prevTimestep(stepIndex)));
    }

    /**
     * The eta = 0, epsilon-parametrised DDIM update between two noise levels ᾱ_t → ᾱ_prev, in the same float32 order
     * as {@link #step}: x0 = (x − sqrt(1−ᾱ_t)·eps)/sqrt(ᾱ_t), x_prev = sqrt(ᾱ_prev)·x0 + sqrt(1−ᾱ_prev)·eps.
     */
    public static Tensor ddimUpdate(Tensor eps, Tensor sample, float alphaProdT, float alphaProdTPrev) {
        float[] x = Schedules.values(sample, null, "sample");
        float[] e = Schedules.values(eps, sample, "eps");
        float sqrtA = (float) Math.sqrt(alphaProdT), sqrtB = (float) Math.sqrt(1f - alphaProdT);
        float sqrtAPrev = (float) Math.sqrt(alphaProdTPrev), dir = (float) Math.sqrt(1f - alphaProdTPrev);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float x0 = (x[i] - sqrtB * e[i]) / sqrtA;
            out[i] = sqrtAPrev * x0 + dir * e[i];
        }
        return Schedules.tensor(out, sample);
    }

    private int[] requireTimesteps() {
        if (timesteps == null) throw new IllegalStateException("call setTimesteps before using the scheduler");
        return timesteps;
    }

    private int timestepAt(int stepIndex) {
        int[] ts = requireTimesteps();
        if (stepIndex < 0 || stepIndex >= ts.length)
            throw new IndexOutOfBoundsException("step index " + stepIndex + " outside 0.." + (ts.length - 1));
        return ts[stepIndex];
    }

    @Override public String toString() { return "DDIMScheduler(eta=" + eta + ", " + config + ")"; }
}
