package zest.nn.clip;

import java.nio.file.Path;
import zest.nn.ConfigException;
import zest.nn.JsonConfig;
import zest.nn.layers.Activation;

/** transformers' CLIPTextConfig fields used by the text encoder, with transformers' defaults. */
public record ClipTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        String hiddenAct,
        float layerNormEps,
        int padTokenId,
        int bosTokenId,
        int eosTokenId) {

    /** Upper bounds checked before anything is built (OpenCLIP ViT-bigG: width 1280, 32 layers, vocab 49408). */
    static final int MAX_WIDTH = 1 << 14, MAX_LAYERS = 256, MAX_VOCAB = 1 << 21, MAX_POSITIONS = 1 << 14;

    public static ClipTextConfig read(Path configJson) {
        return fromJson(JsonConfig.read(configJson));
    }

    public static ClipTextConfig fromJson(JsonConfig c) {
        String type = c.stringOr("model_type", "clip_text_model");
        if (!type.equals("clip_text_model"))
            throw new ConfigException(c.source() + ": 'model_type' is " + type + ", expected clip_text_model (a CLIPTextModel config)");
        String act = c.stringOr("hidden_act", "quick_gelu");
        if (Activation.byName(act) == null) throw c.error("hidden_act", "names an unknown activation");
        int hidden = c.sizeOr("hidden_size", 512, MAX_WIDTH), heads = c.sizeOr("num_attention_heads", 8, MAX_WIDTH);
        if (hidden % heads != 0) throw c.error("num_attention_heads", "must divide hidden_size " + hidden);
        return new ClipTextConfig(
                c.sizeOr("vocab_size", 49408, MAX_VOCAB),
                hidden,
                c.sizeOr("intermediate_size", 2048, MAX_WIDTH * 4),
                c.sizeOr("num_hidden_layers", 12, MAX_LAYERS),
                heads,
                c.sizeOr("max_position_embeddings", 77, MAX_POSITIONS),
                act,
                (float) c.doubleOr("layer_norm_eps", 1e-5),
                c.intOr("pad_token_id", 1),
                c.intOr("bos_token_id", 49406),
                c.intOr("eos_token_id", 49407));
    }

    public Activation activation() { return Activation.byName(hiddenAct); }

    public int headDim() { return hiddenSize / numAttentionHeads; }
}
