package zest.convert;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensors that real LDM checkpoints carry besides the three models' weights, and why inference does not need them.
 * They are skipped and listed; any other unmapped tensor is reported as unknown.
 */
final class IgnoredKeys {
    /** Buffers of the original DDPM training code: the scheduler recomputes the schedule from its config. */
    static final Set<String> SCHEDULE_BUFFERS = Set.of("betas", "alphas_cumprod", "alphas_cumprod_prev",
            "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod",
            "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
            "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2", "logvar");

    /** The text encoder's {@code position_ids} buffer: always {@code arange(77)}, saved by older transformers. */
    static final Set<String> POSITION_IDS = Set.of(
            "cond_stage_model.transformer.text_model.embeddings.position_ids",
            "cond_stage_model.transformer.embeddings.position_ids");

    /** Parts of the OpenCLIP model that CLIPTextModel has no place for (SD 2.x uses the token states, not the projection). */
    static final Set<String> OPEN_CLIP_EXTRAS = Set.of("cond_stage_model.model.text_projection",
            "cond_stage_model.model.logit_scale", "cond_stage_model.model.attn_mask");

    private static final Pattern OPEN_CLIP_RESBLOCK = Pattern.compile("cond_stage_model\\.model\\.transformer\\.resblocks\\.(\\d+)\\..*");

    private final int textLayers;

    /** @param textLayers the diffusers text encoder's num_hidden_layers (OpenCLIP resblocks beyond it are unused) */
    IgnoredKeys(int textLayers) { this.textLayers = textLayers; }

    /** Why {@code ldmName} is not needed, or null when it is not a known extra. */
    String reason(String ldmName) {
        if (ldmName.startsWith("model_ema.")) return "EMA copy of the UNet weights (the checkpoint's main weights are used)";
        if (SCHEDULE_BUFFERS.contains(ldmName)) return "DDPM schedule buffer of the training code (the scheduler config defines the schedule)";
        if (POSITION_IDS.contains(ldmName)) return "text encoder position_ids buffer (always 0..76)";
        if (OPEN_CLIP_EXTRAS.contains(ldmName)) return "OpenCLIP tensor CLIPTextModel does not use";
        Matcher m = OPEN_CLIP_RESBLOCK.matcher(ldmName);
        if (m.matches() && Integer.parseInt(m.group(1)) >= textLayers)
            return "OpenCLIP layer past the text encoder's num_hidden_layers (SD 2.x conditions on the penultimate layer)";
        return null;
    }
}
