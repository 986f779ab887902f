package zest.nn.unet;

import zest.engine.Tensor;
import zest.engine.autograd.Checkpoint;
import zest.nn.CheckpointPolicy;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.attention.AttentionHook;
import zest.nn.layers.Conv2d;
import zest.nn.layers.GroupNorm;
import zest.nn.layers.Linear;

/**
 * The UNet's spatial transformer: GroupNorm (eps 1e-6) → proj_in → transformer blocks over the H·W tokens →
 * proj_out, plus the input. proj_in/proj_out are 1×1 convs (SD 1.x) or Linear layers (use_linear_projection, SD 2.x).
 */
public final class Transformer2DModel extends Module {
    public final int inChannels, innerDim;
    public final boolean useLinearProjection;
    public final GroupNorm norm;
    private final Module projIn, projOut;
    public final ModuleList<BasicTransformerBlock> transformerBlocks;
    private int checkpointMinCells = CheckpointPolicy.OFF;

    public Transformer2DModel(int heads, int headDim, int inChannels, int numLayers, int crossAttentionDim, int groups,
                              boolean useLinearProjection, boolean onlyCrossAttention, boolean upcast) {
        this.inChannels = inChannels;
        this.innerDim = heads * headDim;
        this.useLinearProjection = useLinearProjection;
        this.norm = register("norm", new GroupNorm(groups, inChannels, 1e-6f));
        this.projIn = register("proj_in", useLinearProjection
                ? new Linear(inChannels, innerDim, true) : new Conv2d(inChannels, innerDim, 1, 1, 0, true));
        this.transformerBlocks = register("transformer_blocks", new ModuleList<>());
        for (int i = 0; i < numLayers; i++)
            transformerBlocks.add(new BasicTransformerBlock(innerDim, heads, headDim, crossAttentionDim, onlyCrossAttention, upcast));
        this.projOut = register("proj_out", useLinearProjection
                ? new Linear(innerDim, inChannels, true) : new Conv2d(innerDim, inChannels, 1, 1, 0, true));
    }

    /**
     * With checkpointing on (grids of at least {@code minCells} cells; {@link CheckpointPolicy#OFF} turns it off), a recorded forward through a transformer whose attention probabilities no hook reads
     * keeps only its input and output (everything between is recomputed in the backward, with the same bits: see
     * {@link Checkpoint}); one whose probabilities are read keeps its cross-attentions' graph and recomputes only
     * the blocks' self-attentions and feed-forwards. Grids of fewer than {@code minCells} cells keep everything ({@link CheckpointPolicy}).
     */
    public void setGradientCheckpointing(int minCells) { this.checkpointMinCells = minCells; }

    /** x [B, C, H, W], context [B, L, D] → [B, C, H, W]. */
    public Tensor forward(Tensor x, Tensor context, AttentionHook hook) {
        boolean wholeSegment = x.size(2) * x.size(3) >= checkpointMinCells
                && (context == null || !context.requiresGrad()) && !readsProbabilities(hook, x, context);
        Tensor t = wholeSegment ? Checkpoint.run(in -> body(in, context, hook), x) : body(x, context, hook);
        return t.add(x);
    }

    private boolean readsProbabilities(AttentionHook hook, Tensor x, Tensor context) {
        for (BasicTransformerBlock block : transformerBlocks)
            if (block.readsProbabilities(hook, x.size(0), x.size(2), x.size(3), context)) return true;
        return false;
    }

    /** GroupNorm → proj_in → blocks → proj_out: x's only consumer is the GroupNorm. */
    private Tensor body(Tensor x, Tensor context, AttentionHook hook) {
        int b = x.size(0), h = x.size(2), w = x.size(3);
        Tensor t = norm.forward(x);
        if (useLinearProjection) {
            t = ((Linear) projIn).forward(toTokens(t));
        } else {
            t = toTokens(((Conv2d) projIn).forward(t));
        }
        for (BasicTransformerBlock block : transformerBlocks) t = block.forward(t, context, h, w, hook);
        if (useLinearProjection) {
            t = toImage(((Linear) projOut).forward(t), b, h, w);
        } else {
            t = ((Conv2d) projOut).forward(toImage(t, b, h, w));
        }
        return t;
    }

    /** [B, C, H, W] → [B, H·W, C], token index y·W + x. */
    private static Tensor toTokens(Tensor x) {
        int b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        return x.permute(0, 2, 3, 1).reshape(b, h * w, c);
    }

    private static Tensor toImage(Tensor t, int b, int h, int w) {
        return t.reshape(b, h, w, t.size(2)).permute(0, 3, 1, 2).contiguous();
    }
}
