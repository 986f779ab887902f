package zest.diffusion.schedulers;

import zest.engine.Tensor;

/**
 * A diffusion sampler with diffusers' calling convention, addressed by step index instead of timestep value
 * (diffusers looks the index up from the timestep; PNDM repeats a timestep, so an index is the unambiguous key).
 *
 * <p>Use: {@link #setTimesteps}, start from noise times {@link #initNoiseSigma()}, then for every index i:
 * run the model on {@link #scaleModelInput}(x, i) at timestep {@link #modelTimesteps()}[i] and replace x with
 * {@link #step}(output, i, x).prevSample(). Multistep samplers (PNDM, DPM-Solver) keep a history, so their steps
 * must be taken in order 0, 1, 2, ... after each {@code setTimesteps}.
 *
 * <p>All arithmetic is float32 in the same operation order as diffusers 0.35.2 with PyTorch on CPU, so results
 * agree to the last bit or nearly so. Tensors of any shape (batch included) are accepted; outputs are new F32
 * tensors and do not record autograd history (except {@link #scaleModelInput}, which does).
 */
public interface Scheduler {

    /** The result of one step: the sample at the next (less noisy) timestep and the model's x0 estimate, if any. */
    record StepResult(Tensor prevSample, Tensor predOriginalSample) {}

    /**
     * Where a stochastic step takes its Gaussian noise: called only when a step needs noise, with the sample's
     * shape ({@code generator::randn} of a torch-compatible generator matches diffusers' {@code randn_tensor}).
     */
    @FunctionalInterface
    interface NoiseSource {
        Tensor next(int... shape);

        /** A source that always hands out {@code noise} (diffusers' {@code variance_noise=} argument). */
        static NoiseSource of(Tensor noise) { return shape -> noise; }
    }

    /** The config this scheduler was built from (already resolved for its class). */
    SchedulerConfig config();

    /** Builds the timestep schedule for {@code numInferenceSteps} model evaluations and resets any step history. */
    void setTimesteps(int numInferenceSteps);

    /** The integer timesteps, one per step index (a copy). Euler's may be fractional: see {@link #modelTimesteps()}. */
    int[] timesteps();

    /**
     * The timestep values to give the model, one per step index. Equal to {@link #timesteps()} except for Euler with
     * "linspace" spacing or Karras sigmas, where diffusers feeds the UNet fractional timesteps.
     */
    default float[] modelTimesteps() {
        int[] t = timesteps();
        float[] f = new float[t.length];
        for (int i = 0; i < t.length; i++) f[i] = t[i];
        return f;
    }

    /** Number of step indices of the current schedule (PNDM: one more than requested). */
    default int numSteps() { return timesteps().length; }

    /** Standard deviation of the initial noise: the starting latents are {@code randn * initNoiseSigma()}. */
    float initNoiseSigma();

    /** The model input for step {@code stepIndex} (identity except for Euler, which divides by sqrt(sigma^2 + 1)). */
    Tensor scaleModelInput(Tensor sample, int stepIndex);

    /**
     * One sampler step from the timestep of {@code stepIndex} to the next.
     *
     * @param modelOutput the model's prediction (epsilon, v or x0 according to {@code prediction_type})
     * @param noise       used only by stochastic steps (DDIM with eta &gt; 0); may be null otherwise
     */
    StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, NoiseSource noise);

    /** A deterministic step. */
    default StepResult step(Tensor modelOutput, int stepIndex, Tensor sample) {
        return step(modelOutput, stepIndex, sample, null);
    }

    /** ᾱ_t, the training schedule's cumulative alpha product at integer timestep t (0 ≤ t &lt; num_train_timesteps). */
    float alphaCumprod(int t);

    /** The whole ᾱ table (a copy), length num_train_timesteps. */
    float[] alphasCumprod();

    /**
     * The deterministic DDIM update (eta 0, epsilon parametrisation) from the timestep of {@code stepIndex} to the
     * one this scheduler's own step would reach, for a given noise estimate {@code eps}; works in this scheduler's
     * sample space (for Euler that is x_t·sqrt(σ²+1), where DDIM is exactly x + (σ_next − σ)·eps). Samplers that
     * modify the noise estimate (ZestGuide-style guidance) use this to turn a corrected eps into the next sample.
     */
    Tensor ddimPrevSample(Tensor eps, int stepIndex, Tensor sample);
}
