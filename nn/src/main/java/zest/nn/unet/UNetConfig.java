package zest.nn.unet;

import java.nio.file.Path;
import java.util.List;
import zest.nn.ConfigException;
import zest.nn.JsonConfig;
import zest.nn.layers.Activation;

/**
 * The UNet2DConditionModel settings zest implements (SD 1.x and 2.x), read from a diffusers config.json with
 * diffusers' defaults. Per-block settings given as one value in the file are expanded to one per down block.
 *
 * <p>{@code attentionHeadDim} keeps diffusers' legacy meaning: it is the <em>number of heads</em> per attention
 * layer (head dim = channels / heads), as in every SD 1.x/2.x config; {@code num_attention_heads} must be null, as
 * diffusers itself requires for this model.
 */
public record UNetConfig(
        Integer sampleSize,
        int inChannels,
        int outChannels,
        boolean centerInputSample,
        boolean flipSinToCos,
        float freqShift,
        List<String> downBlockTypes,
        String midBlockType,
        List<String> upBlockTypes,
        boolean[] onlyCrossAttention,
        int[] blockOutChannels,
        int[] layersPerBlock,
        int downsamplePadding,
        float midBlockScaleFactor,
        String actFn,
        int normNumGroups,
        float normEps,
        int[] crossAttentionDim,
        int[] transformerLayersPerBlock,
        int[] reverseTransformerLayersPerBlock,
        int[] attentionHeadDim,
        boolean useLinearProjection,
        boolean upcastAttention,
        float resnetOutScaleFactor,
        int timeEmbeddingDim,
        int convInKernel,
        int convOutKernel) {

    public static final List<String> DOWN_TYPES = List.of("CrossAttnDownBlock2D", "DownBlock2D");
    public static final List<String> UP_TYPES = List.of("CrossAttnUpBlock2D", "UpBlock2D");
    /** Upper bounds checked before anything is built (SD 1.x/2.x and SDXL are far below them). */
    static final int MAX_BLOCKS = 8, MAX_CHANNELS = 1 << 14, MAX_LAYERS = 64, MAX_KERNEL = 15, MAX_SAMPLE_SIZE = 1 << 13;

    public static UNetConfig read(Path configJson) {
        return fromJson(JsonConfig.read(configJson));
    }

    public static UNetConfig fromJson(JsonConfig c) {
        String why = "zest implements the SD 1.x / 2.x UNet";
        String cls = c.stringOr("_class_name", "UNet2DConditionModel");
        if (!cls.equals("UNet2DConditionModel"))
            throw new ConfigException(c.source() + ": '_class_name' is " + cls + ", expected UNet2DConditionModel");
        c.requireDefault("num_attention_heads", null, "diffusers' UNet2DConditionModel rejects it too: attention_head_dim holds the head count");
        c.requireDefault("dual_cross_attention", false, why);
        c.requireDefault("encoder_hid_dim", null, why);
        c.requireDefault("encoder_hid_dim_type", null, why);
        c.requireDefault("class_embed_type", null, why);
        c.requireDefault("addition_embed_type", null, why);
        c.requireDefault("num_class_embeds", null, why);
        c.requireDefault("time_cond_proj_dim", null, why);
        c.requireDefault("timestep_post_act", null, why);
        c.requireDefault("time_embedding_act_fn", null, why);
        c.requireDefault("time_embedding_type", "positional", why);
        c.requireDefault("resnet_time_scale_shift", "default", why);
        c.requireDefault("resnet_skip_time_act", false, why);
        c.requireDefault("attention_type", "default", why);
        c.requireDefault("class_embeddings_concat", false, why);
        c.requireDefault("cross_attention_norm", null, why);
        c.requireDefault("projection_class_embeddings_input_dim", null, why);

        List<String> down = c.stringListOr("down_block_types",
                List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
        List<String> up = c.stringListOr("up_block_types",
                List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"));
        int n = down.size();
        if (n == 0 || n > MAX_BLOCKS) throw c.error("down_block_types", "must have 1 to " + MAX_BLOCKS + " entries");
        for (String t : down) if (!DOWN_TYPES.contains(t)) throw c.error("down_block_types", "may only hold " + DOWN_TYPES);
        for (String t : up) if (!UP_TYPES.contains(t)) throw c.error("up_block_types", "may only hold " + UP_TYPES);
        if (up.size() != n) throw c.error("up_block_types", "must have as many entries as down_block_types (" + n + ")");
        int[] boc = c.atMost("block_out_channels", c.intListOr("block_out_channels", new int[] {320, 640, 1280, 1280}), MAX_CHANNELS);
        if (boc.length != n) throw c.error("block_out_channels", "must have one entry per down block (" + n + ")");
        // absent means the default; an explicit null means "no mid block", as in diffusers
        String mid = c.root().has("mid_block_type") ? c.stringOr("mid_block_type", null) : "UNetMidBlock2DCrossAttn";
        if (mid != null && !mid.equals("UNetMidBlock2DCrossAttn"))
            throw c.error("mid_block_type", "must be UNetMidBlock2DCrossAttn or null");
        String act = c.stringOr("act_fn", "silu");
        if (Activation.byName(act) == null) throw c.error("act_fn", "names an unknown activation");
        int groups = c.positiveIntOr("norm_num_groups", 32);
        for (int ch : boc) if (ch % groups != 0) throw c.error("block_out_channels", "must be multiples of norm_num_groups " + groups);

        int[] heads = c.intOrListOr("attention_head_dim", 8, n);
        for (int i = 0; i < n; i++)
            if (boc[i] % heads[i] != 0)
                throw c.error("attention_head_dim", "(the number of heads) must divide block_out_channels " + java.util.Arrays.toString(boc));
        int[] reverseTl = c.has("reverse_transformer_layers_per_block")
                ? c.atMost("reverse_transformer_layers_per_block", c.intListOr("reverse_transformer_layers_per_block", null), MAX_LAYERS) : null;
        if (reverseTl != null && reverseTl.length != n) throw c.error("reverse_transformer_layers_per_block", "must have one entry per up block");
        int convIn = c.sizeOr("conv_in_kernel", 3, MAX_KERNEL), convOut = c.sizeOr("conv_out_kernel", 3, MAX_KERNEL);
        if (convIn % 2 == 0) throw c.error("conv_in_kernel", "must be odd");
        if (convOut % 2 == 0) throw c.error("conv_out_kernel", "must be odd");
        Integer ted = c.has("time_embedding_dim") ? c.sizeOr("time_embedding_dim", 0, MAX_CHANNELS * 4) : null;
        Integer sampleSize = c.has("sample_size") ? c.sizeOr("sample_size", 0, MAX_SAMPLE_SIZE) : null;
        int downsamplePadding = c.intOr("downsample_padding", 1);
        if (downsamplePadding < 0 || downsamplePadding > MAX_KERNEL) throw c.error("downsample_padding", "must be in 0.." + MAX_KERNEL);

        return new UNetConfig(
                sampleSize,
                c.sizeOr("in_channels", 4, MAX_CHANNELS),
                c.sizeOr("out_channels", 4, MAX_CHANNELS),
                c.boolOr("center_input_sample", false),
                c.boolOr("flip_sin_to_cos", true),
                (float) c.doubleOr("freq_shift", 0),
                down, mid, up,
                c.boolOrListOr("only_cross_attention", false, n),
                boc,
                c.atMost("layers_per_block", c.intOrListOr("layers_per_block", 2, n), MAX_LAYERS),
                downsamplePadding,
                (float) c.doubleOr("mid_block_scale_factor", 1),
                act,
                groups,
                (float) c.doubleOr("norm_eps", 1e-5),
                c.atMost("cross_attention_dim", c.intOrListOr("cross_attention_dim", 1280, n), MAX_CHANNELS),
                c.atMost("transformer_layers_per_block", c.intOrListOr("transformer_layers_per_block", 1, n), MAX_LAYERS),
                reverseTl,
                heads,
                c.boolOr("use_linear_projection", false),
                c.boolOr("upcast_attention", false),
                (float) c.doubleOr("resnet_out_scale_factor", 1),
                ted == null ? boc[0] * 4 : ted,
                convIn, convOut);
    }

    /** Heads per attention layer of down block i (the legacy attention_head_dim). */
    public int numAttentionHeads(int block) { return attentionHeadDim[block]; }

    public int numBlocks() { return blockOutChannels.length; }

    public Activation activation() { return Activation.byName(actFn); }
}
