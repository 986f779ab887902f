package zest.nn.blocks;

import zest.engine.Tensor;
import zest.engine.ops.ShapeOps;
import zest.nn.Module;
import zest.nn.layers.Conv2d;

/**
 * Halves the resolution with a 3×3 stride-2 conv (key {@code conv}). With padding 0 (the VAE encoder) the input is
 * first padded by one zero row/column at the bottom/right, as diffusers does, so even sizes halve exactly.
 */
public final class Downsample2D extends Module {
    public final int padding;
    public final Conv2d conv;

    public Downsample2D(int channels, int outChannels, int padding) {
        this.padding = padding;
        this.conv = register("conv", new Conv2d(channels, outChannels, 3, 2, padding, true));
    }

    public Tensor forward(Tensor x) {
        if (padding == 0) x = ShapeOps.pad(x, new int[] {0, 1, 0, 1}, 0f);
        return conv.forward(x);
    }
}
