package zest.diffusion.schedulers;

import zest.engine.Tensor;
import zest.engine.ops.Elementwise;

/**
 * Euler's method on the probability-flow ODE in σ-space (Karras et al. 2022, Algorithm 2 with s_churn = 0), as
 * diffusers' {@code EulerDiscreteScheduler}. The sample lives at scale x = x0 + σ·ε (so the initial noise has
 * std sqrt(σ_max² + 1) for "leading" spacing, σ_max otherwise), and the model sees x / sqrt(σ² + 1).
 *
 * <p>Deterministic only: diffusers' s_churn defaults to 0, which makes the step noise-free.
 */
public final class EulerDiscreteScheduler implements Scheduler {
    private final SchedulerConfig config;
    private final float[] betas;
    private final float[] alphasCumprod;
    /** σ for every training timestep, float32 as diffusers computes it from ᾱ */
    private final float[] trainSigmas;

    private float[] timesteps;   // model timesteps (fractional for linspace spacing or Karras sigmas)
    private float[] sigmas;      // one per step plus the final one (0 or σ_min)
    private float initNoiseSigma;

    public EulerDiscreteScheduler(SchedulerConfig config) {
        this.config = config.forClass(SchedulerConfig.EULER);
        this.betas = Schedules.betas(this.config);
        this.alphasCumprod = Schedules.alphasCumprod(betas);
        this.trainSigmas = Schedules.sigmasFromAlphasCumprod(alphasCumprod);
        // diffusers' __init__ already sets a full-length schedule; init_noise_sigma before set_timesteps uses it
        float max = 0;
        for (float s : trainSigmas) max = Math.max(max, s);
        this.initNoiseSigma = initNoiseSigmaFor(max);
    }

    @Override public SchedulerConfig config() { return config; }

    public float[] betas() { return betas.clone(); }

    @Override public void setTimesteps(int numInferenceSteps) {
        int numTrain = config.numTrainTimesteps();
        Schedules.checkSteps(numInferenceSteps, numTrain);
        int n = numInferenceSteps;

        // 1. timesteps, float32 (diffusers converts them with astype(np.float32))
        float[] ts;
        switch (config.timestepSpacing()) {
            case "linspace" -> {
                // no rounding here, unlike DDIM: the UNet gets fractional timesteps
                double[] a = Schedules.npLinspace(0, numTrain - 1, n);
                ts = new float[n];
                for (int i = 0; i < n; i++) ts[i] = (float) a[n - 1 - i];
            }
            case "leading" -> {
                int ratio = numTrain / n;
                ts = new float[n];
                for (int i = 0; i < n; i++) ts[i] = (float) ((n - 1 - i) * ratio) + (float) config.stepsOffset();
            }
            case "trailing" -> {
                double[] a = Schedules.trailingArange(numTrain, numTrain, n);
                ts = new float[a.length];
                for (int i = 0; i < a.length; i++) ts[i] = (float) Schedules.npRound(a[i]) - 1f;
            }
            default -> throw new IllegalStateException(config.timestepSpacing());
        }

        // 2. sigmas at those timesteps
        double[] sig;
        if (config.interpolationType().equals("linear")) {
            double[] x = new double[ts.length];
            for (int i = 0; i < ts.length; i++) x[i] = ts[i];
            sig = Schedules.npInterp(x, trainSigmas);
        } else {
            // log_linear: N + 1 log-spaced sigmas from σ_max down to σ_min (diffusers' length, kept as is)
            float logMax = (float) Math.log(trainSigmas[numTrain - 1]), logMin = (float) Math.log(trainSigmas[0]);
            float[] l = Schedules.torchLinspace(logMax, logMin, n + 1);
            sig = new double[l.length];
            for (int i = 0; i < l.length; i++) sig[i] = (float) Math.exp(l[i]);
        }
        if (config.useKarrasSigmas()) {
            double sMin = config.sigmaMin() != null ? config.sigmaMin() : sig[sig.length - 1];
            double sMax = config.sigmaMax() != null ? config.sigmaMax() : sig[0];
            sig = Schedules.karrasSigmas(sMin, sMax, n);
            float[] logSigmas = Schedules.logs(trainSigmas);
            ts = new float[sig.length];
            for (int i = 0; i < sig.length; i++) ts[i] = (float) Schedules.sigmaToT(sig[i], logSigmas);
        }

        // 3. final sigma: 0 (step to the clean sample) or σ_min
        float last = config.finalSigmasType().equals("sigma_min")
                ? (float) Math.sqrt((1f - alphasCumprod[0]) / alphasCumprod[0]) : 0f;
        float[] s = new float[sig.length + 1];
        for (int i = 0; i < sig.length; i++) s[i] = (float) sig[i];
        s[sig.length] = last;

        this.timesteps = ts;
        this.sigmas = s;
        float max = 0;
        for (float v : s) max = Math.max(max, v);
        this.initNoiseSigma = initNoiseSigmaFor(max);
    }

    /**
     * "leading" spacing starts at a timestep below the noisiest one, so diffusers scales the initial noise to the
     * VP-equivalent std sqrt(σ² + 1); the other spacings start at σ_max itself.
     */
    private float initNoiseSigmaFor(float maxSigma) {
        String spacing = config.timestepSpacing();
        if (spacing.equals("linspace") || spacing.equals("trailing")) return maxSigma;
        return (float) Math.sqrt(maxSigma * maxSigma + 1f);
    }

    @Override public int[] timesteps() {
        float[] ts = requireTimesteps();
        int[] out = new int[ts.length];
        for (int i = 0; i < ts.length; i++) out[i] = Math.round(ts[i]);
        return out;
    }

    @Override public float[] modelTimesteps() { return requireTimesteps().clone(); }

    /** The sigmas of the schedule, one per step index plus the final one (a copy). */
    public float[] sigmas() {
        requireTimesteps();
        return sigmas.clone();
    }

    @Override public float initNoiseSigma() { return initNoiseSigma; }

    /**
     * x / sqrt(σ² + 1): turns the σ-space sample back into the VP-scaled x_t the UNet was trained on. Uses engine ops
     * (true division, like PyTorch) so gradients can flow through it.
     */
    @Override public Tensor scaleModelInput(Tensor sample, int stepIndex) {
        float sigma = sigmaAt(stepIndex);
        float denom = (float) Math.sqrt(sigma * sigma + 1f);
        return Elementwise.div(sample, Tensor.scalar(denom));
    }

    @Override public StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseSource noise) {
        float sigma = sigmaAt(stepIndex);
        float sigmaNext = sigmas[stepIndex + 1];
        float[] x = Schedules.values(sample, null, "sample");
        float[] mo = Schedules.values(modelOutput, sample, "model output");
        int n = x.length;
        // s_churn = 0 → gamma = 0 → sigma_hat = sigma·(0 + 1) = sigma
        float sigmaHat = sigma * 1f;

        // 1. x0 estimate
        float[] x0 = new float[n];
        switch (config.predictionType()) {
            case "epsilon" -> {
                for (int i = 0; i < n; i++) x0[i] = x[i] - sigmaHat * mo[i];
            }
            case "v_prediction" -> {
                // x0 = c_out·v + c_skip·x with c_out = −σ/sqrt(σ²+1), c_skip = 1/(σ²+1)
                float cOut = -sigma / (float) Math.sqrt(sigma * sigma + 1f);
                float s2p1 = sigma * sigma + 1f;
                for (int i = 0; i < n; i++) x0[i] = mo[i] * cOut + x[i] / s2p1;
            }
            case "sample" -> System.arraycopy(mo, 0, x0, 0, n);
            default -> throw new IllegalStateException(config.predictionType());
        }

        // 2. ODE derivative dx/dσ = (x − x0)/σ, one Euler step of size dt = σ_next − σ
        float dt = sigmaNext - sigmaHat;
        float[] prev = new float[n];
        for (int i = 0; i < n; i++) {
            float derivative = (x[i] - x0[i]) / sigmaHat;
            prev[i] = x[i] + derivative * dt;
        }
        return new StepResult(Schedules.tensor(prev, sample), Schedules.tensor(x0, sample));
    }

    @Override public float alphaCumprod(int t) { return alphasCumprod[t]; }

    @Override public float[] alphasCumprod() { return alphasCumprod.clone(); }

    /**
     * In σ-space DDIM with eta 0 is exactly an Euler step with derivative eps: x + (σ_next − σ)·eps. Computed through
     * x0 like {@link #step} so that it equals an epsilon-prediction step bit for bit.
     */
    @Override public Tensor ddimPrevSample(Tensor eps, int stepIndex, Tensor sample) {
        float sigma = sigmaAt(stepIndex);
        float dt = sigmas[stepIndex + 1] - sigma;
        float[] x = Schedules.values(sample, null, "sample");
        float[] e = Schedules.values(eps, sample, "eps");
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float x0 = x[i] - sigma * e[i];
            out[i] = x[i] + (x[i] - x0) / sigma * dt;
        }
        return Schedules.tensor(out, sample);
    }

    private float[] requireTimesteps() {
        if (timesteps == null) throw new IllegalStateException("call setTimesteps before using the scheduler");
        return timesteps;
    }

    private float sigmaAt(int stepIndex) {
        float[] ts = requireTimesteps();
        if (stepIndex < 0 || stepIndex >= ts.length)
            throw new IndexOutOfBoundsException("step index " + stepIndex + " outside 0.." + (ts.length - 1));
        return sigmas[stepIndex];
    }

    @Override public String toString() { return "EulerDiscreteScheduler(" + config + ")"; }
}
