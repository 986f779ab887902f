package zest.nn.clip;

import zest.nn.Module;
import zest.nn.layers.LayerNorm;

/** transformers' CLIPTextTransformer (key prefix {@code text_model}): embeddings, encoder, final_layer_norm. */
public final class ClipTextTransformer extends Module {
    public final ClipTextEmbeddings embeddings;
    public final ClipEncoder encoder;
    public final LayerNorm finalLayerNorm;

    public ClipTextTransformer(ClipTextConfig c) {
        this.embeddings = register("embeddings", new ClipTextEmbeddings(c));
        this.encoder = register("encoder", new ClipEncoder(c));
        this.finalLayerNorm = register("final_layer_norm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
    }
}
