package zest.convert;

import java.util.List;
import zest.nn.JsonConfig;

/** The CLIPTextModel keys of an LDM checkpoint, in either {@link TextEncoderLayout}. */
final class TextEncoderKeys {
    private TextEncoderKeys() {}

    static List<LdmKey> of(JsonConfig c, TextEncoderLayout layout) {
        int vocab = c.positiveIntOr("vocab_size", 49408);
        int hidden = c.positiveIntOr("hidden_size", 512);
        int inner = c.positiveIntOr("intermediate_size", 2048);
        int layers = c.positiveIntOr("num_hidden_layers", 12);
        int positions = c.positiveIntOr("max_position_embeddings", 77);
        KeyTable t = new KeyTable(Component.TEXT_ENCODER, layout.ldmPrefix());
        return switch (layout) {
            case TRANSFORMERS_CLIP -> transformers(t, vocab, hidden, inner, layers, positions);
            case OPEN_CLIP -> openClip(t, vocab, hidden, inner, layers, positions);
        };
    }

    /** SD 1.x: the transformers names themselves behind {@code cond_stage_model.transformer.}. */
    private static List<LdmKey> transformers(KeyTable t, int vocab, int hidden, int inner, int layers, int positions) {
        t.tensor("text_model.embeddings.token_embedding.weight", "text_model.embeddings.token_embedding.weight", vocab, hidden);
        t.tensor("text_model.embeddings.position_embedding.weight", "text_model.embeddings.position_embedding.weight", positions, hidden);
        for (int i = 0; i < layers; i++) {
            String l = "text_model.encoder.layers." + i;
            for (String p : List.of("q_proj", "k_proj", "v_proj", "out_proj"))
                t.linear(l + ".self_attn." + p, l + ".self_attn." + p, hidden, hidden);
            t.norm(l + ".layer_norm1", l + ".layer_norm1", hidden);
            t.linear(l + ".mlp.fc1", l + ".mlp.fc1", inner, hidden);
            t.linear(l + ".mlp.fc2", l + ".mlp.fc2", hidden, inner);
            t.norm(l + ".layer_norm2", l + ".layer_norm2", hidden);
        }
        t.norm("text_model.final_layer_norm", "text_model.final_layer_norm", hidden);
        return t.keys();
    }

    /**
     * SD 2.x: open_clip names (diffusers' {@code textenc_conversion_lst}) with q/k/v fused. The checkpoint holds one
     * more resblock than diffusers' config (SD 2.x conditions on the penultimate layer; diffusers drops the last),
     * which {@link IgnoredKeys} accounts for.
     */
    private static List<LdmKey> openClip(KeyTable t, int vocab, int hidden, int inner, int layers, int positions) {
        t.tensor("token_embedding.weight", "text_model.embeddings.token_embedding.weight", vocab, hidden);
        t.tensor("positional_embedding", "text_model.embeddings.position_embedding.weight", positions, hidden);
        for (int i = 0; i < layers; i++) {
            String l = "transformer.resblocks." + i, d = "text_model.encoder.layers." + i;
            String[] qkv = {"q_proj", "k_proj", "v_proj"};
            for (int p = 0; p < 3; p++) {
                t.slice(l + ".attn.in_proj_weight", new int[] {3 * hidden, hidden},
                        d + ".self_attn." + qkv[p] + ".weight", new int[] {hidden, hidden}, p, 3);
                t.slice(l + ".attn.in_proj_bias", new int[] {3 * hidden},
                        d + ".self_attn." + qkv[p] + ".bias", new int[] {hidden}, p, 3);
            }
            t.linear(l + ".attn.out_proj", d + ".self_attn.out_proj", hidden, hidden);
            t.norm(l + ".ln_1", d + ".layer_norm1", hidden);
            t.linear(l + ".mlp.c_fc", d + ".mlp.fc1", inner, hidden);
            t.linear(l + ".mlp.c_proj", d + ".mlp.fc2", hidden, inner);
            t.norm(l + ".ln_2", d + ".layer_norm2", hidden);
        }
        t.norm("ln_final", "text_model.final_layer_norm", hidden);
        return t.keys();
    }
}
