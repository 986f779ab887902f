package zest.diffusion.schedulers;

import java.util.Arrays;
import zest.engine.Tensor;

/**
 * Noise-schedule and timestep arithmetic shared by the samplers, written to reproduce diffusers' numbers exactly:
 * the betas as PyTorch's float32 {@code linspace} computes them, ᾱ as {@code torch.cumprod}, and the timestep grids
 * with NumPy's {@code arange}/{@code linspace}/{@code round}/{@code interp} semantics (float64, round half to even).
 */
final class Schedules {
    private Schedules() {}

    // ---------------------------------------------------------------- betas and ᾱ

    /** The float32 betas diffusers' schedulers compute in {@code __init__}. */
    static float[] betas(SchedulerConfig c) {
        int n = c.numTrainTimesteps();
        double[] trained = c.trainedBetas();
        if (trained != null) {
            float[] b = new float[n];
            for (int i = 0; i < n; i++) b[i] = (float) trained[i];
            return b;
        }
        return switch (c.betaSchedule()) {
            case "linear" -> torchLinspace(c.betaStart(), c.betaEnd(), n);
            case "scaled_linear" -> {
                // linspace of the square roots, squared in float32 (the latent-diffusion schedule)
                float[] b = torchLinspace(Math.sqrt(c.betaStart()), Math.sqrt(c.betaEnd()), n);
                for (int i = 0; i < n; i++) b[i] = b[i] * b[i];
                yield b;
            }
            case "squaredcos_cap_v2" -> cosineBetas(n);
            default -> throw new SchedulerConfigException("scheduler config: beta_schedule = \"" + c.betaSchedule()
                    + "\" is not supported");
        };
    }

    /**
     * {@code torch.linspace(start, end, n, dtype=float32)} on CPU: the ends are rounded to float, the step is computed
     * in float, the first half counts up from start and the second half down from end (halves the error at the far
     * end). The compiled kernel contracts {@code start + step*i} into one fused multiply-add, so we use
     * {@link Math#fma}; this reproduces PyTorch's values bit for bit.
     */
    static float[] torchLinspace(double start, double end, int n) {
        float s = (float) start, e = (float) end;
        float[] out = new float[n];
        if (n == 1) {
            out[0] = s;
            return out;
        }
        float step = (e - s) / (float) (n - 1);
        int half = n / 2;
        for (int i = 0; i < n; i++)
            out[i] = i < half ? Math.fma(step, (float) i, s) : Math.fma(-step, (float) (n - 1 - i), e);
        return out;
    }

    /** Glide's cosine schedule ({@code betas_for_alpha_bar}, max_beta 0.999), computed in double then rounded. */
    private static float[] cosineBetas(int n) {
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n, t2 = (double) (i + 1) / n;
            b[i] = (float) Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
        }
        return b;
    }

    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /**
     * ᾱ = cumprod(1 − β). PyTorch's CPU cumprod accumulates float32 inputs in double and rounds each partial product
     * to float (a float accumulator would differ in ~90% of entries by the end).
     */
    static float[] alphasCumprod(float[] betas) {
        float[] ac = new float[betas.length];
        double acc = 1.0;
        for (int i = 0; i < betas.length; i++) {
            acc *= (1f - betas[i]);
            ac[i] = (float) acc;
        }
        return ac;
    }

    /** σ_t = sqrt((1 − ᾱ_t) / ᾱ_t) in float32, as {@code ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5}. */
    static float[] sigmasFromAlphasCumprod(float[] ac) {
        float[] s = new float[ac.length];
        for (int i = 0; i < ac.length; i++) s[i] = (float) Math.sqrt((1f - ac[i]) / ac[i]);
        return s;
    }

    // ---------------------------------------------------------------- timestep grids (NumPy semantics)

    /** {@code np.round}: half to even. */
    static double npRound(double x) { return Math.rint(x); }

    /**
     * {@code np.arange(start, stop, step)} for floats: length ceil((stop − start) / step), values start + i·d where
     * d = (start + step) − start (NumPy's fill recomputes the delta from the first two elements).
     */
    static double[] npArange(double start, double stop, double step) {
        double len = Math.ceil((stop - start) / step);
        int n = len > 0 ? (int) len : 0;
        double[] out = new double[n];
        if (n == 0) return out;
        out[0] = start;
        if (n > 1) out[1] = start + step;
        double delta = (start + step) - start;
        for (int i = 2; i < n; i++) out[i] = start + i * delta;
        return out;
    }

    /** {@code np.linspace(start, stop, num)} (endpoint included): i·step + start, the last value exactly stop. */
    static double[] npLinspace(double start, double stop, int num) {
        double[] out = new double[num];
        if (num == 0) return out;
        int div = num - 1;
        if (div == 0) {
            out[0] = start;
            return out;
        }
        double step = (stop - start) / div;
        for (int i = 0; i < num; i++) out[i] = i * step + start;
        out[num - 1] = stop;
        return out;
    }

    /** {@code np.interp(x, arange(len(fp)), fp)} in double, clamped to the end values outside the range. */
    static double[] npInterp(double[] x, float[] fp) {
        double[] out = new double[x.length];
        int last = fp.length - 1;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (Double.isNaN(v)) {
                out[i] = v;
            } else if (v <= 0) {
                out[i] = fp[0];
            } else if (v >= last) {
                out[i] = fp[last];
            } else {
                int j = (int) Math.floor(v);
                if (v == j) {
                    out[i] = fp[j];
                } else {
                    double slope = ((double) fp[j + 1] - fp[j]) / 1.0;
                    out[i] = slope * (v - j) + fp[j];
                }
            }
        }
        return out;
    }

    /**
     * The integer schedule shared by DDIM and DPM-style spacings (Table 2 of "Common Diffusion Noise Schedules and
     * Sample Steps are Flawed"), descending:
     * leading = (arange(N)·(T // N))[::-1] + steps_offset; trailing = round(arange(T, 0, −T/N)) − 1;
     * linspace = round(linspace(0, T − 1, N))[::-1].
     */
    static int[] ddimTimesteps(String spacing, int numTrain, int n, int stepsOffset) {
        int[] t;
        switch (spacing) {
            case "leading" -> {
                int ratio = numTrain / n;
                t = new int[n];
                for (int i = 0; i < n; i++) t[i] = (n - 1 - i) * ratio + stepsOffset;
            }
            case "trailing" -> {
                double[] a = trailingArange(numTrain, numTrain, n);
                t = new int[a.length];
                for (int i = 0; i < a.length; i++) t[i] = (int) npRound(a[i]) - 1;
            }
            case "linspace" -> {
                double[] a = npLinspace(0, numTrain - 1, n);
                t = new int[n];
                for (int i = 0; i < n; i++) t[i] = (int) npRound(a[n - 1 - i]);
            }
            default -> throw new SchedulerConfigException("scheduler config: timestep_spacing = \"" + spacing
                    + "\" is not supported (expected one of leading, trailing, linspace)");
        }
        return t;
    }

    /**
     * {@code np.arange(start, 0, -T/N)} for "trailing" spacing, cut to N values. Deviation from diffusers 0.35: for
     * some N (61, 103, 121, ... with T = 1000) the float arange has an extra element ≈ 1e-13, which diffusers turns
     * into a spurious final timestep −1 (an extra step that indexes ᾱ[-1] = ᾱ_999). We drop it.
     */
    static double[] trailingArange(double start, int numTrain, int n) {
        double[] a = npArange(start, 0, -((double) numTrain / n));
        return a.length > n ? Arrays.copyOf(a, n) : a;
    }

    static void checkSteps(int numInferenceSteps, int numTrain) {
        if (numInferenceSteps < 1 || numInferenceSteps > numTrain)
            throw new IllegalArgumentException("number of inference steps must be between 1 and num_train_timesteps ("
                    + numTrain + "), got " + numInferenceSteps);
    }

    // ---------------------------------------------------------------- Karras sigmas

    /**
     * Karras et al. (2022) ρ = 7 schedule between sigmaMax and sigmaMin, {@code n} values, in double
     * ({@code _convert_to_karras}).
     */
    static double[] karrasSigmas(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double[] ramp = npLinspace(0, 1, n);
        double minInv = Math.pow(sigmaMin, 1 / rho), maxInv = Math.pow(sigmaMax, 1 / rho);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = Math.pow(maxInv + ramp[i] * (minInv - maxInv), rho);
        return s;
    }

    /**
     * The fractional training timestep whose log-sigma is {@code sigma}'s, by linear interpolation in log σ over
     * the (ascending) float32 log-sigma table ({@code _sigma_to_t}).
     */
    static double sigmaToT(double sigma, float[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        // low = last index whose log sigma is ≤ log σ (cumsum(dists >= 0).argmax()), clipped to len - 2
        int count = 0, lowIdx = 0, best = -1;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) count++;
            if (count > best) {
                best = count;
                lowIdx = i;
            }
        }
        lowIdx = Math.min(lowIdx, logSigmas.length - 2);
        int highIdx = lowIdx + 1;
        double low = logSigmas[lowIdx], high = logSigmas[highIdx];
        double w = (low - logSigma) / (low - high);
        w = Math.min(Math.max(w, 0), 1);
        return (1 - w) * lowIdx + w * highIdx;
    }

    /** Natural log of each float32 sigma, rounded to float32 ({@code np.log} of a float32 array). */
    static float[] logs(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) Math.log(x[i]);
        return out;
    }

    // ---------------------------------------------------------------- tensor plumbing

    /** The values of {@code t} as a read-only float array, checking it has {@code ref}'s shape. */
    static float[] values(Tensor t, Tensor ref, String what) {
        if (t == null) throw new IllegalArgumentException(what + " is null");
        if (ref != null && !Arrays.equals(t.shape(), ref.shape()))
            throw new IllegalArgumentException(what + " has shape " + Arrays.toString(t.shape()) + " but the sample has "
                    + Arrays.toString(ref.shape()));
        return t.floats();
    }

    static Tensor tensor(float[] data, Tensor like) { return Tensor.of(data, like.shape()); }
}
