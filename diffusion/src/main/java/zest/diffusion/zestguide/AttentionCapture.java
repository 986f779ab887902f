package zest.diffusion.zestguide;

import java.util.ArrayList;
import java.util.List;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.nn.attention.AttentionContext;
import zest.nn.attention.AttentionHook;

/**
 * An attention hook that keeps the cross-attention probabilities of the selected layers, per image of the batch.
 * When {@code expectedLayers} is known, it stops recording the autograd graph after the last of them: nothing
 * computed later in the UNet lies on the path from x_t to the ZestGuide loss, so its activations need not be kept.
 * Call {@link #close()} after the forward pass to restore the grad mode.
 */
public final class AttentionCapture implements AttentionHook, AutoCloseable {
    private final LayerSelection selection;
    private final int imageHeight;
    private final int expectedLayers;
    private final List<AttentionContext> contexts = new ArrayList<>();
    private final List<Tensor> probs = new ArrayList<>();
    private GradMode.Scope gradOff;

    /** @param expectedLayers how many layers the selection matches in this UNet (0 = unknown: never stop the graph) */
    public AttentionCapture(LayerSelection selection, int imageHeight, int expectedLayers) {
        this.selection = selection;
        this.imageHeight = imageHeight;
        this.expectedLayers = expectedLayers;
    }

    @Override
    public boolean wantsProbabilities(AttentionContext c) {
        return selection.selects(c, imageHeight);
    }

    @Override
    public void onProbabilities(AttentionContext c, Tensor p) {
        contexts.add(c);
        probs.add(p);
        if (expectedLayers > 0 && probs.size() == expectedLayers && GradMode.isEnabled()) gradOff = GradMode.noGrad();
    }

    public int capturedLayers() { return probs.size(); }

    /** The captured maps of image {@code b} of the batch. */
    public AttentionMaps mapsOf(int b) {
        AttentionMaps maps = new AttentionMaps();
        for (int i = 0; i < probs.size(); i++) {
            AttentionContext c = contexts.get(i);
            Tensor p = probs.get(i).narrow(0, b * c.heads(), c.heads());
            maps.add(c.path(), p, c.height(), c.width());
        }
        return maps;
    }

    @Override
    public void close() {
        if (gradOff != null) {
            gradOff.close();
            gradOff = null;
        }
    }
}
