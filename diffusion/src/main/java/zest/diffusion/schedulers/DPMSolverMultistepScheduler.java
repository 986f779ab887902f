package zest.diffusion.schedulers;

import zest.engine.Tensor;

/**
 * Multistep DPM-Solver (Lu et al. 2022) as diffusers' {@code DPMSolverMultistepScheduler}: "dpmsolver++" (data
 * prediction; with order 2 this is the popular DPM++ 2M) or "dpmsolver" (noise prediction), solver order 1–3,
 * midpoint or heun second-order rule, optional Karras sigmas.
 *
 * <p>Step k uses the model outputs of steps k, k−1 (and k−2) converted to x0 (or eps) estimates, so steps must be
 * taken in order. The first step is first order; with {@code final_sigmas_type} "zero" (the default) the last step
 * is first order too (it lands on σ = 0, where the multistep correction is ill-conditioned), and with
 * {@code lower_order_final} and fewer than 15 steps the last two steps drop order, as in diffusers.
 */
public final class DPMSolverMultistepScheduler implements Scheduler {
    private final SchedulerConfig config;
    private final float[] betas;
    private final float[] alphasCumprod;
    private final float[] trainSigmas;
    private final float[] lambdaT;   // log(sqrt(ᾱ)) − log(sqrt(1 − ᾱ)) per training timestep, for lambda_min_clipped

    private int[] timesteps;
    private float[] sigmas;          // one per step plus the final one
    private float[][] modelOutputs;  // the last solver_order converted outputs, oldest first
    private int lowerOrderNums;
    private int stepIndex;

    public DPMSolverMultistepScheduler(SchedulerConfig config) {
        this.config = config.forClass(SchedulerConfig.DPM);
        if (this.config.algorithmType().equals("dpmsolver") && this.config.finalSigmasType().equals("zero"))
            throw new SchedulerConfigException("scheduler config: final_sigmas_type = \"zero\" is not supported with "
                    + "algorithm_type = \"dpmsolver\" (diffusers refuses it too); use \"sigma_min\" or \"dpmsolver++\"");
        this.betas = Schedules.betas(this.config);
        this.alphasCumprod = Schedules.alphasCumprod(betas);
        this.trainSigmas = Schedules.sigmasFromAlphasCumprod(alphasCumprod);
        int n = alphasCumprod.length;
        this.lambdaT = new float[n];
        for (int i = 0; i < n; i++) {
            float alpha = (float) Math.sqrt(alphasCumprod[i]);
            float sigma = (float) Math.sqrt(1f - alphasCumprod[i]);
            lambdaT[i] = (float) Math.log(alpha) - (float) Math.log(sigma);
        }
    }

    @Override public SchedulerConfig config() { return config; }

    public float[] betas() { return betas.clone(); }

    @Override public void setTimesteps(int numInferenceSteps) {
        int numTrain = config.numTrainTimesteps();
        Schedules.checkSteps(numInferenceSteps, numTrain);
        int n = numInferenceSteps;
        // lambda_min_clipped: drop the noisiest timesteps whose log-SNR is below the clip (matters for cosine
        // schedules); clipped_idx = searchsorted(flip(lambda_t), clip)
        int clippedIdx = 0;
        while (clippedIdx < numTrain && lambdaT[numTrain - 1 - clippedIdx] < config.lambdaMinClipped()) clippedIdx++;
        int lastTimestep = numTrain - clippedIdx;

        // N + 1 points, the final (t = 0 side) one dropped: the last step goes to σ_last instead
        int[] ts;
        switch (config.timestepSpacing()) {
            case "linspace" -> {
                double[] a = Schedules.npLinspace(0, lastTimestep - 1, n + 1);
                ts = new int[n];
                for (int i = 0; i < n; i++) ts[i] = (int) Schedules.npRound(a[n - i]);
            }
            case "leading" -> {
                int ratio = lastTimestep / (n + 1);
                ts = new int[n];
                for (int i = 0; i < n; i++) ts[i] = (n - i) * ratio + config.stepsOffset();
            }
            case "trailing" -> {
                double[] a = Schedules.trailingArange(lastTimestep, numTrain, n);
                ts = new int[a.length];
                for (int i = 0; i < a.length; i++) ts[i] = (int) Schedules.npRound(a[i]) - 1;
            }
            default -> throw new IllegalStateException(config.timestepSpacing());
        }

        double[] sig;
        if (config.useKarrasSigmas()) {
            // Karras ρ = 7 sigmas between the table's extremes; timesteps are the rounded matching training steps
            sig = Schedules.karrasSigmas(trainSigmas[0], trainSigmas[numTrain - 1], n);
            float[] logSigmas = Schedules.logs(trainSigmas);
            ts = new int[n];
            for (int i = 0; i < n; i++) ts[i] = (int) Schedules.npRound(Schedules.sigmaToT(sig[i], logSigmas));
        } else {
            double[] x = new double[ts.length];
            for (int i = 0; i < ts.length; i++) x[i] = ts[i];
            sig = Schedules.npInterp(x, trainSigmas);
        }
        float last = config.finalSigmasType().equals("sigma_min")
                ? (float) Math.sqrt((1f - alphasCumprod[0]) / alphasCumprod[0]) : 0f;
        float[] s = new float[sig.length + 1];
        for (int i = 0; i < sig.length; i++) s[i] = (float) sig[i];
        s[sig.length] = last;

        this.timesteps = ts;
        this.sigmas = s;
        this.modelOutputs = new float[config.solverOrder()][];
        this.lowerOrderNums = 0;
        this.stepIndex = 0;
    }

    @Override public int[] timesteps() { return requireTimesteps().clone(); }

    /** The sigmas of the schedule, one per step index plus the final one (a copy). */
    public float[] sigmas() {
        requireTimesteps();
        return sigmas.clone();
    }

    @Override public float initNoiseSigma() { return 1f; }

    @Override public Tensor scaleModelInput(Tensor sample, int stepIndex) { return sample; }

    @Override public float alphaCumprod(int t) { return alphasCumprod[t]; }

    @Override public float[] alphasCumprod() { return alphasCumprod.clone(); }

    // VP coefficients of a σ: α = 1/sqrt(σ² + 1), σ_vp = σ·α, λ = log α − log σ_vp (float32, diffusers' order)
    private static float alphaOf(float sigma) { return 1f / (float) Math.sqrt(sigma * sigma + 1f); }

    private static float lambdaOf(float alpha, float sigmaVp) { return (float) Math.log(alpha) - (float) Math.log(sigmaVp); }

    private static float expf(float x) { return (float) Math.exp(x); }

    @Override public StepResult step(Tensor modelOutput, int index, Tensor sample, NoiseSource noise) {
        int[] ts = requireTimesteps();
        if (index != stepIndex)
            throw new IllegalStateException("DPM-Solver steps must be taken in order: expected step index " + stepIndex
                    + ", got " + index + " (call setTimesteps to start again)");
        if (index >= ts.length)
            throw new IndexOutOfBoundsException("step index " + index + " outside 0.." + (ts.length - 1));
        int len = ts.length;
        boolean lowerOrderFinal = index == len - 1 && (config.eulerAtFinal()
                || (config.lowerOrderFinal() && len < 15) || config.finalSigmasType().equals("zero"));
        boolean lowerOrderSecond = index == len - 2 && config.lowerOrderFinal() && len < 15;

        float[] x = Schedules.values(sample, null, "sample");
        float[] converted = convertModelOutput(Schedules.values(modelOutput, sample, "model output"), x, index);
        int order = config.solverOrder();
        for (int i = 0; i < order - 1; i++) modelOutputs[i] = modelOutputs[i + 1];
        modelOutputs[order - 1] = converted;

        float[] prev;
        if (order == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
            prev = firstOrderUpdate(converted, x, index);
        } else if (order == 2 || lowerOrderNums < 2 || lowerOrderSecond) {
            prev = secondOrderUpdate(x, index);
        } else {
            prev = thirdOrderUpdate(x, index);
        }
        if (lowerOrderNums < order) lowerOrderNums++;
        stepIndex++;
        Tensor x0 = config.algorithmType().equals("dpmsolver++") ? Schedules.tensor(converted, sample) : null;
        return new StepResult(Schedules.tensor(prev, sample), x0);
    }

    /** The model output as the solver's variable: x0 for dpmsolver++, eps for dpmsolver. */
    private float[] convertModelOutput(float[] mo, float[] x, int index) {
        float sigma = sigmas[index];
        float alphaT = alphaOf(sigma), sigmaT = sigma * alphaT;
        int n = x.length;
        String pred = config.predictionType();
        float[] out = new float[n];
        if (config.algorithmType().equals("dpmsolver++")) {
            switch (pred) {
                case "epsilon" -> { for (int i = 0; i < n; i++) out[i] = (x[i] - sigmaT * mo[i]) / alphaT; }
                case "sample" -> System.arraycopy(mo, 0, out, 0, n);
                case "v_prediction" -> { for (int i = 0; i < n; i++) out[i] = alphaT * x[i] - sigmaT * mo[i]; }
                default -> throw new IllegalStateException(pred);
            }
        } else {
            switch (pred) {
                case "epsilon" -> System.arraycopy(mo, 0, out, 0, n);
                case "sample" -> { for (int i = 0; i < n; i++) out[i] = (x[i] - alphaT * mo[i]) / sigmaT; }
                case "v_prediction" -> { for (int i = 0; i < n; i++) out[i] = alphaT * mo[i] + sigmaT * x[i]; }
                default -> throw new IllegalStateException(pred);
            }
        }
        return out;
    }

    /** First order = DDIM: x_t = (σ_t/σ_s)·x − α_t(e^{−h} − 1)·x0 (dpmsolver++), (α_t/α_s)·x − σ_t(e^h − 1)·eps. */
    private float[] firstOrderUpdate(float[] m, float[] x, int index) {
        float sT = sigmas[index + 1], sS = sigmas[index];
        float alphaT = alphaOf(sT), sigmaT = sT * alphaT;
        float alphaS = alphaOf(sS), sigmaS = sS * alphaS;
        float h = lambdaOf(alphaT, sigmaT) - lambdaOf(alphaS, sigmaS);
        int n = x.length;
        float[] out = new float[n];
        if (config.algorithmType().equals("dpmsolver++")) {
            float a = sigmaT / sigmaS, b = alphaT * (expf(-h) - 1f);
            for (int i = 0; i < n; i++) out[i] = a * x[i] - b * m[i];
        } else {
            float a = alphaT / alphaS, b = sigmaT * (expf(h) - 1f);
            for (int i = 0; i < n; i++) out[i] = a * x[i] - b * m[i];
        }
        return out;
    }

    /** Second-order multistep update from the last two converted outputs (DPM-Solver++(2M) for dpmsolver++). */
    private float[] secondOrderUpdate(float[] x, int index) {
        float sT = sigmas[index + 1], sS0 = sigmas[index], sS1 = sigmas[index - 1];
        float alphaT = alphaOf(sT), sigmaT = sT * alphaT;
        float alphaS0 = alphaOf(sS0), sigmaS0 = sS0 * alphaS0;
        float alphaS1 = alphaOf(sS1), sigmaS1 = sS1 * alphaS1;
        float lambdaT_ = lambdaOf(alphaT, sigmaT), lambdaS0 = lambdaOf(alphaS0, sigmaS0), lambdaS1 = lambdaOf(alphaS1, sigmaS1);
        int k = modelOutputs.length;
        float[] m0 = modelOutputs[k - 1], m1 = modelOutputs[k - 2];
        float h = lambdaT_ - lambdaS0, h0 = lambdaS0 - lambdaS1;
        float r0 = h0 / h;
        float invR0 = 1f / r0;
        int n = x.length;
        float[] out = new float[n];
        boolean midpoint = config.solverType().equals("midpoint");
        if (config.algorithmType().equals("dpmsolver++")) {
            float a = sigmaT / sigmaS0, b = alphaT * (expf(-h) - 1f);
            float c = midpoint ? 0.5f * b : alphaT * ((expf(-h) - 1f) / h + 1f);
            for (int i = 0; i < n; i++) {
                float d1 = invR0 * (m0[i] - m1[i]);
                out[i] = midpoint ? a * x[i] - b * m0[i] - c * d1 : a * x[i] - b * m0[i] + c * d1;
            }
        } else {
            float a = alphaT / alphaS0, b = sigmaT * (expf(h) - 1f);
            float c = midpoint ? 0.5f * b : sigmaT * ((expf(h) - 1f) / h - 1f);
            for (int i = 0; i < n; i++) {
                float d1 = invR0 * (m0[i] - m1[i]);
                out[i] = a * x[i] - b * m0[i] - c * d1;
            }
        }
        return out;
    }

    /** Third-order multistep update from the last three converted outputs. */
    private float[] thirdOrderUpdate(float[] x, int index) {
        float sT = sigmas[index + 1], sS0 = sigmas[index], sS1 = sigmas[index - 1], sS2 = sigmas[index - 2];
        float alphaT = alphaOf(sT), sigmaT = sT * alphaT;
        float alphaS0 = alphaOf(sS0), sigmaS0 = sS0 * alphaS0;
        float alphaS1 = alphaOf(sS1), sigmaS1 = sS1 * alphaS1;
        float alphaS2 = alphaOf(sS2), sigmaS2 = sS2 * alphaS2;
        float lT = lambdaOf(alphaT, sigmaT), l0 = lambdaOf(alphaS0, sigmaS0);
        float l1 = lambdaOf(alphaS1, sigmaS1), l2 = lambdaOf(alphaS2, sigmaS2);
        int k = modelOutputs.length;
        float[] m0 = modelOutputs[k - 1], m1 = modelOutputs[k - 2], m2 = modelOutputs[k - 3];
        float h = lT - l0, h0 = l0 - l1, h1 = l1 - l2;
        float r0 = h0 / h, r1 = h1 / h;
        float invR0 = 1f / r0, invR1 = 1f / r1;
        float w = r0 / (r0 + r1), invSum = 1f / (r0 + r1);
        int n = x.length;
        float[] out = new float[n];
        boolean pp = config.algorithmType().equals("dpmsolver++");
        float a, b, c, d;
        if (pp) {
            float em1 = expf(-h) - 1f;
            a = sigmaT / sigmaS0;
            b = alphaT * em1;
            c = alphaT * (em1 / h + 1f);
            d = alphaT * ((expf(-h) - 1f + h) / (h * h) - 0.5f);
        } else {
            float ep1 = expf(h) - 1f;
            a = alphaT / alphaS0;
            b = sigmaT * ep1;
            c = sigmaT * (ep1 / h - 1f);
            d = sigmaT * ((expf(h) - 1f - h) / (h * h) - 0.5f);
        }
        for (int i = 0; i < n; i++) {
            float d10 = invR0 * (m0[i] - m1[i]), d11 = invR1 * (m1[i] - m2[i]);
            float d1 = d10 + w * (d10 - d11);
            float d2 = invSum * (d10 - d11);
            out[i] = pp ? a * x[i] - b * m0[i] + c * d1 - d * d2 : a * x[i] - b * m0[i] - c * d1 - d * d2;
        }
        return out;
    }

    /** DDIM from σ_i to σ_{i+1} for a given eps: the first-order dpmsolver++ update applied to x0(eps). */
    @Override public Tensor ddimPrevSample(Tensor eps, int index, Tensor sample) {
        int[] ts = requireTimesteps();
        if (index < 0 || index >= ts.length)
            throw new IndexOutOfBoundsException("step index " + index + " outside 0.." + (ts.length - 1));
        float[] x = Schedules.values(sample, null, "sample");
        float[] e = Schedules.values(eps, sample, "eps");
        float sS = sigmas[index], sT = sigmas[index + 1];
        float alphaS = alphaOf(sS), sigmaS = sS * alphaS;
        float alphaT = alphaOf(sT), sigmaT = sT * alphaT;
        float h = lambdaOf(alphaT, sigmaT) - lambdaOf(alphaS, sigmaS);
        float a = sigmaT / sigmaS, b = alphaT * (expf(-h) - 1f);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float x0 = (x[i] - sigmaS * e[i]) / alphaS;
            out[i] = a * x[i] - b * x0;
        }
        return Schedules.tensor(out, sample);
    }

    private int[] requireTimesteps() {
        if (timesteps == null) throw new IllegalStateException("call setTimesteps before using the scheduler");
        return timesteps;
    }

    @Override public String toString() { return "DPMSolverMultistepScheduler(" + config + ")"; }
}
