package zest.diffusion.zestguide;

import java.util.ArrayList;
import java.util.List;
import zest.engine.Tensor;
import zest.engine.ops.Elementwise;
import zest.engine.ops.Reductions;
import zest.engine.ops.Resize;

/**
 * Cross-attention probabilities captured from chosen U-Net layers, turned into one map per prompt token:
 * each layer's [heads, h·w, tokens] is laid out as [heads, tokens, h, w], upsampled bilinearly to the mask
 * resolution, averaged over heads, then the layers are averaged. Differentiable end to end.
 */
public final class AttentionMaps {
    private final List<Captured> layers = new ArrayList<>();

    /** One layer's probabilities for one image: [heads, h·w, tokens] at spatial size h×w. */
    public record Captured(String layer, Tensor probs, int height, int width) {}

    public void add(String layer, Tensor probs, int height, int width) {
        if (probs.dim() != 3 || probs.size(1) != height * width)
            throw new IllegalArgumentException("attention probs of " + layer + " should be [heads, " + height * width
                    + ", tokens], got " + java.util.Arrays.toString(probs.shape()));
        layers.add(new Captured(layer, probs, height, width));
    }

    public List<Captured> layers() { return List.copyOf(layers); }

    public boolean isEmpty() { return layers.isEmpty(); }

    public void clear() { layers.clear(); }

    /** The mean map per token, [tokens, outH, outW]. */
    public Tensor meanMaps(int outH, int outW) {
        if (layers.isEmpty()) throw new IllegalStateException("no attention layers were captured: check the layer selection");
        Tensor total = null;
        for (Captured c : layers) {
            int heads = c.probs().size(0), tokens = c.probs().size(2);
            Tensor maps = c.probs().permute(0, 2, 1).reshape(heads, tokens, c.height(), c.width());
            Tensor up = c.height() == outH && c.width() == outW ? maps : Resize.bilinear(maps, outH, outW);
            Tensor perLayer = Reductions.mean(up, new int[] {0}, false);
            total = total == null ? perLayer : Elementwise.add(total, perLayer);
        }
        return Elementwise.mulScalar(total, 1f / layers.size());
    }
}
