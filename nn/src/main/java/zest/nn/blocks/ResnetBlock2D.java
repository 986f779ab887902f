package zest.nn.blocks;

import zest.engine.Tensor;
import zest.engine.autograd.Checkpoint;
import zest.nn.CheckpointPolicy;
import zest.nn.Module;
import zest.nn.layers.Activation;
import zest.nn.layers.Conv2d;
import zest.nn.layers.GroupNorm;
import zest.nn.layers.Linear;

/**
 * diffusers' ResnetBlock2D ("default" time-embedding norm): norm1 → act → conv1 (+ time_emb_proj(act(temb))) →
 * norm2 → act → conv2, plus the input (through a 1×1 conv_shortcut when the channel count changes), divided by
 * output_scale_factor. The VAE's blocks have no time embedding (tembChannels = 0).
 */
public final class ResnetBlock2D extends Module {
    public final int inChannels, outChannels;
    public final float outputScaleFactor;
    private final Activation act;
    public final GroupNorm norm1, norm2;
    public final Conv2d conv1, conv2, convShortcut;
    public final Linear timeEmbProj;
    private int checkpointMinCells = CheckpointPolicy.OFF;

    public ResnetBlock2D(int inChannels, int outChannels, int tembChannels, int groups, float eps, Activation act,
                         float outputScaleFactor) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.act = act;
        this.outputScaleFactor = outputScaleFactor;
        this.norm1 = register("norm1", new GroupNorm(groups, inChannels, eps));
        this.conv1 = register("conv1", new Conv2d(inChannels, outChannels, 3));
        this.timeEmbProj = tembChannels > 0 ? register("time_emb_proj", new Linear(tembChannels, outChannels, true)) : null;
        this.norm2 = register("norm2", new GroupNorm(groups, outChannels, eps));
        this.conv2 = register("conv2", new Conv2d(outChannels, outChannels, 3));
        this.convShortcut = inChannels != outChannels
                ? register("conv_shortcut", new Conv2d(inChannels, outChannels, 1, 1, 0, true)) : null;
    }

    /**
     * With checkpointing on (grids of at least {@code minCells} cells; {@link CheckpointPolicy#OFF} turns it off), a recorded forward keeps only the block's input and output: the residual branch is
     * recomputed in the backward (same bits, see {@link Checkpoint}), on grids of at least {@code minCells} cells ({@link CheckpointPolicy}). Off by default; a time embedding that needs
     * its own gradient (training) keeps the plain graph.
     */
    public void setGradientCheckpointing(int minCells) { this.checkpointMinCells = minCells; }

    /** x [B, in, H, W], temb [B, tembChannels] (or null for blocks without time embedding). */
    public Tensor forward(Tensor x, Tensor temb) {
        if (timeEmbProj != null && temb == null) throw new IllegalArgumentException(describe() + " needs a time embedding");
        Tensor h = x.size(2) * x.size(3) >= checkpointMinCells && (temb == null || !temb.requiresGrad())
                ? Checkpoint.run(in -> residual(in, temb), x) : residual(x, temb);
        Tensor shortcut = convShortcut == null ? x : convShortcut.forward(x);
        Tensor out = shortcut.add(h);
        return outputScaleFactor == 1f ? out : out.div(outputScaleFactor);
    }

    /** norm1 → act → conv1 (+ time embedding) → norm2 → act → conv2: x's only consumer is norm1. */
    private Tensor residual(Tensor x, Tensor temb) {
        Tensor h = conv1.forward(act.apply(norm1.forward(x)));
        if (timeEmbProj != null) {
            Tensor t = timeEmbProj.forward(act.apply(temb));
            h = h.add(t.reshape(t.size(0), t.size(1), 1, 1));
        }
        return conv2.forward(act.apply(norm2.forward(h)));
    }
}
