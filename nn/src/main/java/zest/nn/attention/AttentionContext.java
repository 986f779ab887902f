package zest.nn.attention;

/**
 * Where one attention call happens, as seen by an {@link AttentionHook}.
 *
 * @param path   the module's dotted name, e.g. {@code down_blocks.2.attentions.0.transformer_blocks.0.attn2}
 * @param cross  true for cross-attention (keys from the text encoder), false for self-attention
 * @param heads  number of heads
 * @param height query grid height (the latent resolution at this block; 1 for non-spatial inputs)
 * @param width  query grid width; the query index is {@code y * width + x}
 * @param batch  batch size B (probabilities come as [B*heads, height*width, keys], index b*heads + h)
 * @param keys   number of keys (77 text tokens for SD cross-attention)
 */
public record AttentionContext(String path, boolean cross, int heads, int height, int width, int batch, int keys) {
    /** Number of queries (height × width). */
    public int queries() { return height * width; }
}
