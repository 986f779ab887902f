package zest.nn.blocks;

import zest.engine.Tensor;
import zest.engine.ops.Resize;
import zest.nn.Module;
import zest.nn.layers.Conv2d;

/** Nearest-neighbour ×2 (or to an explicit size, for odd latent sizes) followed by a 3×3 conv (key {@code conv}). */
public final class Upsample2D extends Module {
    public final Conv2d conv;

    public Upsample2D(int channels, int outChannels) {
        this.conv = register("conv", new Conv2d(channels, outChannels, 3));
    }

    /** outputHeight/outputWidth ≤ 0 mean "twice the input". */
    public Tensor forward(Tensor x, int outputHeight, int outputWidth) {
        Tensor up = outputHeight <= 0 || (outputHeight == 2 * x.size(2) && outputWidth == 2 * x.size(3))
                ? Resize.upsampleNearest2x(x)
                : Resize.nearest(x, outputHeight, outputWidth);
        return conv.forward(up);
    }

    public Tensor forward(Tensor x) { return forward(x, 0, 0); }
}
