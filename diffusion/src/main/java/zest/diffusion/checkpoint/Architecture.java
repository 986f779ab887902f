package zest.diffusion.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import zest.convert.LdmConfigs;
import zest.convert.TextEncoderLayout;
import zest.nn.ConfigException;
import zest.nn.JsonConfig;

/**
 * Which Stable Diffusion a checkpoint is, told from its three configs (given or inferred), with the facts that decide
 * it. SD 1.x conditions on OpenAI CLIP ViT-L/14 (quick_gelu, 768 wide); SD 2.x on OpenCLIP ViT-H/14 (gelu, 1024
 * wide, so cross_attention_dim 1024), and its 768-px models predict v instead of the noise, which only the scheduler
 * config says. A tiny or custom model with the same block structure keeps its family but is flagged non-standard.
 *
 * @param family         "SD 1.x", "SD 2.x" or "unknown"
 * @param label          the family with what qualifies it, e.g. "SD 2.x, v-prediction"
 * @param standardSize   widths and depths are those of the released SD 1.x / 2.x models
 * @param predictionType the scheduler's prediction_type ("epsilon", "v_prediction", ...)
 * @param predictionFrom "from" the scheduler_config.json it was read from, or why it is assumed
 * @param notes          anything unusual (inpainting input channels, a mismatch that made the family unknown)
 */
public record Architecture(String family, String label, boolean standardSize, String predictionType, String predictionFrom,
                           Unet unet, TextEncoder textEncoder, Vae vae, List<String> notes) {

    public static final String SD1 = "SD 1.x", SD2 = "SD 2.x", UNKNOWN = "unknown";

    /** @param attentionHeads heads per down block (diffusers' legacy attention_head_dim, or num_attention_heads) */
    public record Unet(List<Integer> blockOutChannels, List<Integer> layersPerBlock, List<Integer> attentionHeads,
                       int crossAttentionDim, int inChannels, int outChannels, boolean linearProjection, int sampleSize) {}

    /** @param kind "OpenAI CLIP" (transformers layout in LDM files) or "OpenCLIP" */
    public record TextEncoder(String kind, int hiddenSize, int layers, int attentionHeads, int intermediateSize,
                              String hiddenAct, int vocabSize) {}

    public record Vae(List<Integer> blockOutChannels, int latentChannels, int layersPerBlock, double scalingFactor) {}

    private static final List<Integer> SD_UNET_WIDTHS = List.of(320, 640, 1280, 1280);

    /**
     * @param scheduler the scheduler_config.json that goes with the model, or null
     * @throws ConfigException when a config field is malformed
     */
    public static Architecture of(LdmConfigs configs, Path scheduler) {
        JsonConfig u = configs.unet(), t = configs.textEncoder(), v = configs.vae();
        List<Integer> boc = list(u.intListOr("block_out_channels", new int[] {320, 640, 1280, 1280}));
        int n = boc.size();
        List<Integer> heads = list(u.has("num_attention_heads") ? u.intOrListOr("num_attention_heads", 8, n)
                : u.intOrListOr("attention_head_dim", 8, n));
        Unet unet = new Unet(boc, list(u.intOrListOr("layers_per_block", 2, n)), heads, u.positiveIntOr("cross_attention_dim", 1280),
                u.positiveIntOr("in_channels", 4), u.positiveIntOr("out_channels", 4), u.boolOr("use_linear_projection", false),
                u.positiveIntOr("sample_size", 64));
        boolean openClip = TextEncoderLayout.defaultFor(t) == TextEncoderLayout.OPEN_CLIP;
        TextEncoder text = new TextEncoder(openClip ? "OpenCLIP" : "OpenAI CLIP", t.positiveIntOr("hidden_size", 512),
                t.positiveIntOr("num_hidden_layers", 12), t.positiveIntOr("num_attention_heads", 8),
                t.positiveIntOr("intermediate_size", 2048), t.stringOr("hidden_act", "quick_gelu"), t.positiveIntOr("vocab_size", 49408));
        Vae vae = new Vae(list(v.intListOr("block_out_channels", new int[] {64})), v.positiveIntOr("latent_channels", 4),
                v.positiveIntOr("layers_per_block", 1), v.doubleOr("scaling_factor", 0.18215));

        String prediction = "epsilon", predictionFrom;
        if (scheduler != null) {
            prediction = JsonConfig.read(scheduler).stringOr("prediction_type", "epsilon");
            predictionFrom = "from " + scheduler;
        } else {
            predictionFrom = "assumed: no scheduler_config.json found; SD 2.x 768-px models predict v";
        }

        List<String> notes = new ArrayList<>();
        String family;
        if (unet.crossAttentionDim() != text.hiddenSize()) {
            family = UNKNOWN;
            notes.add("the UNet's cross_attention_dim " + unet.crossAttentionDim() + " differs from the text encoder's hidden_size "
                    + text.hiddenSize() + ": not an SD 1.x/2.x pairing");
        } else if (openClip || unet.crossAttentionDim() == 1024) {
            family = SD2;
        } else {
            family = SD1;
        }
        if (unet.inChannels() == 9) notes.add("inpainting UNet (9 input channels: latents, mask, masked-image latents)");
        else if (unet.inChannels() != vae.latentChannels())
            notes.add("the UNet takes " + unet.inChannels() + " input channels, the VAE makes " + vae.latentChannels());

        boolean standard = switch (family) {
            case SD1 -> boc.equals(SD_UNET_WIDTHS) && unet.crossAttentionDim() == 768 && text.layers() == 12;
            case SD2 -> boc.equals(SD_UNET_WIDTHS) && unet.crossAttentionDim() == 1024 && text.layers() == 23;
            default -> false;
        };
        StringBuilder label = new StringBuilder(family.equals(UNKNOWN) ? "unknown" : family);
        if (!family.equals(UNKNOWN)) {
            if (prediction.equals("v_prediction")) label.append(", v-prediction");
            if (unet.inChannels() == 9) label.append(", inpainting");
            if (!standard) label.append(" (non-standard sizes: a tiny or custom model)");
        }
        return new Architecture(family, label.toString(), standard, prediction, predictionFrom, unet, text, vae, List.copyOf(notes));
    }

    private static List<Integer> list(int[] a) { return Arrays.stream(a).boxed().toList(); }
}
