package zest.convert;

import zest.nn.JsonConfig;

/**
 * How an LDM checkpoint stores its text encoder.
 * <ul>
 *   <li>{@link #TRANSFORMERS_CLIP}: SD 1.x (OpenAI CLIP ViT-L/14 through transformers' CLIPTextModel):
 *       {@code cond_stage_model.transformer.} + the transformers name ({@code text_model.*}), one to one.</li>
 *   <li>{@link #OPEN_CLIP}: SD 2.x (OpenCLIP ViT-H/14): {@code cond_stage_model.model.*} with open_clip names and
 *       fused q/k/v ({@code attn.in_proj_weight} {@code [3H, H]}).</li>
 * </ul>
 */
public enum TextEncoderLayout {
    TRANSFORMERS_CLIP("cond_stage_model.transformer."),
    OPEN_CLIP("cond_stage_model.model.");

    private final String ldmPrefix;

    TextEncoderLayout(String ldmPrefix) { this.ldmPrefix = ldmPrefix; }

    public String ldmPrefix() { return ldmPrefix; }

    /** The layout of a checkpoint with these tensor names: OpenCLIP when any name has its prefix. */
    public static TextEncoderLayout detect(Iterable<String> ldmNames) {
        for (String name : ldmNames) if (name.startsWith(OPEN_CLIP.ldmPrefix)) return OPEN_CLIP;
        return TRANSFORMERS_CLIP;
    }

    /**
     * The layout to write a diffusers text encoder in: OpenCLIP for SD 2.x-style encoders (hidden_act "gelu": the
     * OpenCLIP towers; OpenAI CLIP uses quick_gelu), as diffusers' conversion script does for v2 models.
     */
    public static TextEncoderLayout defaultFor(JsonConfig textEncoderConfig) {
        return "gelu".equals(textEncoderConfig.stringOr("hidden_act", "quick_gelu")) ? OPEN_CLIP : TRANSFORMERS_CLIP;
    }
}
