package zest.diffusion.pww;

import java.util.HashMap;
import java.util.Map;
import zest.diffusion.layout.Layout;
import zest.engine.Tensor;
import zest.nn.attention.AttentionContext;
import zest.nn.attention.AttentionHook;

/**
 * Paint-with-Words (eDiff-I): adds w · log(1 + σ_t) · max(QKᵀ) · M to the cross-attention logits of the
 * conditional pass, M[q, k] = the mask of the segment owning token k, area-downsampled to the layer's grid at
 * query q. σ_t = √((1 − ᾱ_t)/ᾱ_t). max(QKᵀ) is the layer's largest scaled score, as the reference implementation.
 */
public final class PaintWithWords implements AttentionHook {
    private final Layout layout;
    private final int[][] tokenIndices;
    private final float weight;
    private final int keys;
    private float sigma;
    private final Map<Long, Tensor> masksByGrid = new HashMap<>();

    public PaintWithWords(Layout layout, int[][] tokenIndices, float weight, int keys) {
        this.layout = layout;
        this.tokenIndices = tokenIndices;
        this.weight = weight;
        this.keys = keys;
    }

    /** The current step's σ_t. */
    public void setSigma(float sigma) { this.sigma = sigma; }

    public static float sigmaOf(float alphaCumprod) {
        return (float) Math.sqrt((1 - alphaCumprod) / alphaCumprod);
    }

    @Override
    public Tensor logitBias(AttentionContext c) {
        return null; // needs the scores' max: see the two-argument form
    }

    @Override
    public Tensor logitBias(AttentionContext c, java.util.function.DoubleSupplier maxScaledScore) {
        if (!c.cross() || weight == 0f || c.keys() != keys) return null;
        Tensor m = tokenMask(c.height(), c.width());
        float scale = (float) (weight * Math.log1p(sigma) * maxScaledScore.getAsDouble());
        // [1, 1, Lq, Lk] broadcasts over batch and heads
        return m.mul(scale).reshape(1, 1, c.height() * c.width(), keys).expand(c.batch(), c.heads(), c.height() * c.width(), keys);
    }

    /** M as [h·w, keys]: for token k of segment i, the segment's mask at the layer's grid. */
    Tensor tokenMask(int h, int w) {
        return masksByGrid.computeIfAbsent(((long) h << 32) | w, k -> {
            float[] masks = layout.masksAt(h, w);
            float[] m = new float[h * w * keys];
            for (int i = 0; i < tokenIndices.length; i++)
                for (int t : tokenIndices[i])
                    for (int q = 0; q < h * w; q++) m[q * keys + t] = Math.max(m[q * keys + t], masks[i * h * w + q]);
            return Tensor.of(m, h * w, keys);
        });
    }
}
