package zest.diffusion.toy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import zest.diffusion.schedulers.SchedulerConfig;
import zest.nn.JsonConfig;
import zest.nn.clip.CLIPTextModel;
import zest.nn.clip.ClipTextConfig;
import zest.nn.unet.UNet2DConditionModel;
import zest.nn.unet.UNetConfig;

/**
 * The architecture of the toy model, expressed as the same diffusers / transformers configs an SD checkpoint has,
 * so the toy model is built by exactly the SD classes (UNet2DConditionModel with cross-attention, CLIPTextModel with
 * the real 49408-token CLIP vocabulary) and runs through the SD pipeline unchanged. Pixel space: the UNet's sample is
 * the RGB image itself (3 channels, no VAE).
 *
 * <p>Down blocks: plain at full size, cross-attention at size/2 and size/4 (plus the mid block at size/4). Mapped
 * to SD's 64-cell latent, those maps are the "32" and "16" layers, so ZestGuide's default selection
 * {@code down16,up16,up32} picks down_blocks.2, up_blocks.0 and up_blocks.1 here: the same places in the network
 * as in SD (see {@link zest.diffusion.zestguide.LayerSelection}).
 *
 * @param imageSize   pixels per side
 * @param channels    block_out_channels (3 blocks)
 * @param heads       attention heads per cross-attention layer (diffusers' legacy attention_head_dim)
 * @param groups      GroupNorm groups
 * @param textHidden  CLIP hidden size = the UNet's cross_attention_dim
 * @param textLayers  CLIP encoder layers
 * @param textHeads   CLIP attention heads
 */
public record ToyModelConfig(int imageSize, int[] channels, int heads, int groups, int textHidden, int textLayers, int textHeads) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The shipped model's architecture: 32×32 pixels, ~2M UNet weights, a 2-layer 64-wide CLIP text encoder. */
    public static ToyModelConfig standard() { return new ToyModelConfig(32, new int[] {32, 64, 64}, 4, 8, 64, 2, 4); }

    /** A very small variant for tests (same structure, a fraction of the cost). */
    public static ToyModelConfig tiny() { return new ToyModelConfig(16, new int[] {8, 16, 16}, 2, 4, 16, 1, 2); }

    public static ToyModelConfig named(String name) {
        return switch (name) {
            case "standard" -> standard();
            case "tiny" -> tiny();
            default -> throw new IllegalArgumentException("unknown toy model size '" + name + "' (standard or tiny)");
        };
    }

    public ObjectNode unetJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("_class_name", "UNet2DConditionModel");
        n.put("_diffusers_version", "0.35.2");
        n.put("sample_size", imageSize);
        n.put("in_channels", 3);
        n.put("out_channels", 3);
        strings(n.putArray("down_block_types"), "DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D");
        n.put("mid_block_type", "UNetMidBlock2DCrossAttn");
        strings(n.putArray("up_block_types"), "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D");
        ArrayNode boc = n.putArray("block_out_channels");
        for (int c : channels) boc.add(c);
        n.put("layers_per_block", 1);
        n.put("attention_head_dim", heads);
        n.put("cross_attention_dim", textHidden);
        n.put("norm_num_groups", groups);
        n.put("act_fn", "silu");
        n.put("flip_sin_to_cos", true);
        n.put("freq_shift", 0);
        return n;
    }

    public ObjectNode textEncoderJson() {
        ObjectNode n = JSON.createObjectNode();
        strings(n.putArray("architectures"), "CLIPTextModel");
        n.put("model_type", "clip_text_model");
        n.put("vocab_size", 49408);
        n.put("hidden_size", textHidden);
        n.put("intermediate_size", 4 * textHidden);
        n.put("num_hidden_layers", textLayers);
        n.put("num_attention_heads", textHeads);
        n.put("max_position_embeddings", 77);
        n.put("hidden_act", "quick_gelu");
        n.put("layer_norm_eps", 1e-5);
        n.put("pad_token_id", 1);
        n.put("bos_token_id", 49406);
        n.put("eos_token_id", 49407);
        return n;
    }

    /**
     * DDPM's original pixel-space noise schedule (linear β 1e-4 … 0.02 over 1000 steps), sampled with DDIM;
     * clip_sample keeps the predicted x₀ inside the image range [-1, 1], as for every pixel-space DDPM.
     */
    public static ObjectNode schedulerJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("_class_name", "DDIMScheduler");
        n.put("_diffusers_version", "0.35.2");
        n.put("num_train_timesteps", 1000);
        n.put("beta_schedule", "linear");
        n.put("beta_start", 0.0001);
        n.put("beta_end", 0.02);
        n.put("prediction_type", "epsilon");
        n.put("clip_sample", true);
        n.put("clip_sample_range", 1.0);
        n.put("set_alpha_to_one", true);
        n.put("steps_offset", 1);
        n.put("timestep_spacing", "leading");
        return n;
    }

    /** model_index.json: a StableDiffusionPipeline without VAE ([null, null], as diffusers writes absent parts). */
    public ObjectNode modelIndexJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("_class_name", "StableDiffusionPipeline");
        n.put("_diffusers_version", "0.35.2");
        strings(n.putArray("unet"), "diffusers", "UNet2DConditionModel");
        strings(n.putArray("text_encoder"), "transformers", "CLIPTextModel");
        strings(n.putArray("tokenizer"), "transformers", "CLIPTokenizer");
        strings(n.putArray("scheduler"), "diffusers", "DDIMScheduler");
        n.putArray("vae").addNull().addNull();
        n.putArray("safety_checker").addNull().addNull();
        n.putArray("feature_extractor").addNull().addNull();
        n.put("requires_safety_checker", false);
        return n;
    }

    public UNetConfig unetConfig() { return UNetConfig.fromJson(new JsonConfig("toy unet config", unetJson())); }

    public ClipTextConfig textConfig() { return ClipTextConfig.fromJson(new JsonConfig("toy text encoder config", textEncoderJson())); }

    public static SchedulerConfig schedulerConfig() { return SchedulerConfig.fromJson(schedulerJson()); }

    public UNet2DConditionModel newUNet() { return new UNet2DConditionModel(unetConfig()); }

    public CLIPTextModel newTextEncoder() { return new CLIPTextModel(textConfig()); }

    /** A compact description for metadata and logs, e.g. "32px [32,64,64] h4 g8 text 64x2 h4". */
    public String describe() {
        return imageSize + "px " + java.util.Arrays.toString(channels).replace(" ", "") + " h" + heads + " g" + groups
                + " text " + textHidden + "x" + textLayers + " h" + textHeads;
    }

    static String toJson(ObjectNode n) {
        try {
            return JSON.writeValueAsString(n) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void strings(ArrayNode a, String... values) { for (String v : List.of(values)) a.add(v); }

    @Override public boolean equals(Object o) { return o instanceof ToyModelConfig t && describe().equals(t.describe()); }

    @Override public int hashCode() { return describe().hashCode(); }

    @Override public String toString() { return describe(); }
}
