package zest.nn.unet;

import java.util.function.UnaryOperator;
import zest.engine.Tensor;
import zest.engine.autograd.Checkpoint;
import zest.nn.CheckpointPolicy;
import zest.nn.Module;
import zest.nn.attention.Attention;
import zest.nn.attention.AttentionHook;
import zest.nn.attention.FeedForward;
import zest.nn.layers.LayerNorm;

/**
 * Pre-norm transformer block on image tokens: x += attn1(norm1(x)) (self-attention), x += attn2(norm2(x), text)
 * (cross-attention), x += ff(norm3(x)) (GEGLU). LayerNorm eps is 1e-5 as in diffusers.
 */
public final class BasicTransformerBlock extends Module {
    public final boolean onlyCrossAttention;
    public final LayerNorm norm1, norm2, norm3;
    public final Attention attn1, attn2;
    public final FeedForward ff;
    private int checkpointMinCells = CheckpointPolicy.OFF;

    public BasicTransformerBlock(int dim, int heads, int headDim, int crossAttentionDim, boolean onlyCrossAttention, boolean upcast) {
        this.onlyCrossAttention = onlyCrossAttention;
        this.norm1 = register("norm1", new LayerNorm(dim, 1e-5f));
        this.attn1 = register("attn1", Attention.transformer(dim, onlyCrossAttention ? crossAttentionDim : null, heads, headDim, upcast));
        this.norm2 = register("norm2", new LayerNorm(dim, 1e-5f));
        this.attn2 = register("attn2", Attention.transformer(dim, crossAttentionDim, heads, headDim, upcast));
        this.norm3 = register("norm3", new LayerNorm(dim, 1e-5f));
        this.ff = register("ff", new FeedForward(dim, 4 * dim));
    }

    /** x [B, H·W, dim], context [B, L, crossAttentionDim]. */
    public Tensor forward(Tensor x, Tensor context, int height, int width, AttentionHook hook) {
        Tensor ctx1 = onlyCrossAttention ? context : null;
        UnaryOperator<Tensor> selfAttention = in -> attn1.forward(norm1.forward(in), ctx1, height, width, hook);
        boolean recompute = height * width >= checkpointMinCells;
        boolean recompute1 = recompute && (ctx1 == null || !ctx1.requiresGrad())
                && !attn1.probabilitiesWanted(hook, x.size(0), height, width, ctx1);
        x = (recompute1 ? Checkpoint.run(selfAttention, x) : selfAttention.apply(x)).add(x);
        x = attn2.forward(norm2.forward(x), context, height, width, hook).add(x);
        Tensor ffOut = recompute ? Checkpoint.run(in -> ff.forward(norm3.forward(in)), x) : ff.forward(norm3.forward(x));
        return ffOut.add(x);
    }

    /**
     * With checkpointing on (grids of at least {@code minCells} cells; {@link CheckpointPolicy#OFF} turns it off), a recorded forward does not keep the feed-forward's activations (the GEGLU's, the
     * largest of the block) nor the self-attention's unless a hook reads its probabilities: they are recomputed in
     * the backward, with the same bits (see {@link Checkpoint}). The cross-attention keeps its graph, as the
     * ZestGuide loss reads its probabilities. Grids of fewer than {@code minCells} cells keep everything ({@link CheckpointPolicy}).
     */
    public void setGradientCheckpointing(int minCells) { this.checkpointMinCells = minCells; }

    /** Whether the hook asks for the probabilities of one of this block's attention layers at this input size. */
    boolean readsProbabilities(AttentionHook hook, int batch, int height, int width, Tensor context) {
        return attn1.probabilitiesWanted(hook, batch, height, width, onlyCrossAttention ? context : null)
                || attn2.probabilitiesWanted(hook, batch, height, width, context);
    }
}
