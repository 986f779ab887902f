package zest.nn.unet;

import zest.engine.Tensor;
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
        x = attn1.forward(norm1.forward(x), onlyCrossAttention ? context : null, height, width, hook).add(x);
        x = attn2.forward(norm2.forward(x), context, height, width, hook).add(x);
        return ff.forward(norm3.forward(x)).add(x);
    }
}
