package zest.nn.blocks;

import zest.engine.Tensor;
import zest.nn.Module;

/**
 * Sinusoidal timestep features (diffusers' get_timestep_embedding): for i < half, freq_i =
 * exp(-ln(10000)·i / (half − freq_shift)); features [sin(t·freq), cos(t·freq)], or cos first with flip_sin_to_cos.
 * Computed in float32 step by step as PyTorch does, so the rounding matches. No weights, no gradient.
 */
public final class Timesteps extends Module {
    public final int numChannels;
    public final boolean flipSinToCos;
    public final float downscaleFreqShift;

    public Timesteps(int numChannels, boolean flipSinToCos, float downscaleFreqShift) {
        this.numChannels = numChannels;
        this.flipSinToCos = flipSinToCos;
        this.downscaleFreqShift = downscaleFreqShift;
    }

    /** timesteps [B] (any floating or integer dtype) → [B, numChannels]. */
    public Tensor forward(Tensor timesteps) {
        if (timesteps.dim() != 1) throw new IllegalArgumentException("timesteps must be 1-D [B], got rank " + timesteps.dim());
        int b = timesteps.size(0), half = numChannels / 2;
        float[] t = timesteps.dtype().isFloating() ? timesteps.floats() : toFloats(timesteps.toLongArray());
        float[] freq = new float[half];
        float logMax = (float) -Math.log(10000);
        float denom = half - downscaleFreqShift;
        for (int i = 0; i < half; i++) freq[i] = (float) Math.exp((logMax * i) / denom);
        float[] out = new float[b * numChannels];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < half; i++) {
                float arg = t[r] * freq[i];
                float s = (float) Math.sin(arg), c = (float) Math.cos(arg);
                out[r * numChannels + i] = flipSinToCos ? c : s;
                out[r * numChannels + half + i] = flipSinToCos ? s : c;
            }
            // an odd channel count leaves the last column zero (diffusers pads)
        }
        return Tensor.of(out, b, numChannels);
    }

    private static float[] toFloats(long[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = v[i];
        return f;
    }
}
