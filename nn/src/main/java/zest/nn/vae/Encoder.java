package zest.nn.vae;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.layers.Activation;
import zest.nn.layers.Conv2d;
import zest.nn.layers.GroupNorm;

/** Image [B, 3, H, W] → moments [B, 2·latent, H/8, W/8] (mean and log-variance, before quant_conv). GroupNorm eps 1e-6. */
public final class Encoder extends Module {
    private static final float EPS = 1e-6f;
    private final Activation act;
    public final Conv2d convIn, convOut;
    public final ModuleList<DownEncoderBlock2D> downBlocks;
    public final UNetMidBlock2D midBlock;
    public final GroupNorm convNormOut;

    public Encoder(VaeConfig c) {
        this.act = c.activation();
        int[] boc = c.blockOutChannels();
        int n = boc.length, groups = c.normNumGroups();
        this.convIn = register("conv_in", new Conv2d(c.inChannels(), boc[0], 3));
        this.downBlocks = register("down_blocks", new ModuleList<>());
        int out = boc[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = boc[i];
            downBlocks.add(new DownEncoderBlock2D(in, out, c.layersPerBlock(), groups, EPS, act, i < n - 1));
        }
        this.midBlock = register("mid_block", new UNetMidBlock2D(boc[n - 1], groups, EPS, act, c.midBlockAddAttention()));
        this.convNormOut = register("conv_norm_out", new GroupNorm(groups, boc[n - 1], EPS));
        this.convOut = register("conv_out", new Conv2d(boc[n - 1], 2 * c.latentChannels(), 3));
    }

    public Tensor forward(Tensor x) {
        x = convIn.forward(x);
        for (DownEncoderBlock2D b : downBlocks) x = b.forward(x);
        x = midBlock.forward(x);
        return convOut.forward(act.apply(convNormOut.forward(x)));
    }
}
