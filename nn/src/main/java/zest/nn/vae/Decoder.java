package zest.nn.vae;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.layers.Activation;
import zest.nn.layers.Conv2d;
import zest.nn.layers.GroupNorm;

/** Latent [B, latent, h, w] (after post_quant_conv) → image [B, 3, 8h, 8w]. GroupNorm eps 1e-6. */
public final class Decoder extends Module {
    private static final float EPS = 1e-6f;
    private final Activation act;
    public final Conv2d convIn, convOut;
    public final UNetMidBlock2D midBlock;
    public final ModuleList<UpDecoderBlock2D> upBlocks;
    public final GroupNorm convNormOut;

    public Decoder(VaeConfig c) {
        this.act = c.activation();
        int[] boc = c.blockOutChannels();
        int n = boc.length, groups = c.normNumGroups();
        this.convIn = register("conv_in", new Conv2d(c.latentChannels(), boc[n - 1], 3));
        this.midBlock = register("mid_block", new UNetMidBlock2D(boc[n - 1], groups, EPS, act, c.midBlockAddAttention()));
        this.upBlocks = register("up_blocks", new ModuleList<>());
        int out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            int prev = out;
            out = boc[n - 1 - i];
            upBlocks.add(new UpDecoderBlock2D(prev, out, c.layersPerBlock() + 1, groups, EPS, act, i < n - 1));
        }
        this.convNormOut = register("conv_norm_out", new GroupNorm(groups, boc[0], EPS));
        this.convOut = register("conv_out", new Conv2d(boc[0], c.outChannels(), 3));
    }

    public Tensor forward(Tensor z) {
        Tensor x = convIn.forward(z);
        x = midBlock.forward(x);
        for (UpDecoderBlock2D b : upBlocks) x = b.forward(x);
        return convOut.forward(act.apply(convNormOut.forward(x)));
    }
}
