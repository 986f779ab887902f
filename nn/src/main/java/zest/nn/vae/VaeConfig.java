package zest.nn.vae;

import java.nio.file.Path;
import java.util.List;
import zest.nn.ConfigException;
import zest.nn.JsonConfig;
import zest.nn.layers.Activation;

/** AutoencoderKL settings from a diffusers config.json, with diffusers' defaults. */
public record VaeConfig(
        int inChannels,
        int outChannels,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        int[] blockOutChannels,
        int layersPerBlock,
        String actFn,
        int latentChannels,
        int normNumGroups,
        Integer sampleSize,
        float scalingFactor,
        Float shiftFactor,
        boolean useQuantConv,
        boolean usePostQuantConv,
        boolean midBlockAddAttention) {

    /** Upper bounds checked before anything is built (SD's VAE: 4 blocks, 512 channels, 2 layers). */
    static final int MAX_BLOCKS = 8, MAX_CHANNELS = 1 << 14, MAX_LAYERS = 64;

    public static VaeConfig read(Path configJson) {
        return fromJson(JsonConfig.read(configJson));
    }

    public static VaeConfig fromJson(JsonConfig c) {
        String cls = c.stringOr("_class_name", "AutoencoderKL");
        if (!cls.equals("AutoencoderKL"))
            throw new ConfigException(c.source() + ": '_class_name' is " + cls + ", expected AutoencoderKL");
        List<String> down = c.stringListOr("down_block_types", List.of("DownEncoderBlock2D"));
        List<String> up = c.stringListOr("up_block_types", List.of("UpDecoderBlock2D"));
        for (String t : down) if (!t.equals("DownEncoderBlock2D")) throw c.error("down_block_types", "may only hold DownEncoderBlock2D");
        for (String t : up) if (!t.equals("UpDecoderBlock2D")) throw c.error("up_block_types", "may only hold UpDecoderBlock2D");
        int[] boc = c.atMost("block_out_channels", c.intListOr("block_out_channels", new int[] {64}), MAX_CHANNELS);
        if (boc.length > MAX_BLOCKS) throw c.error("block_out_channels", "must have at most " + MAX_BLOCKS + " entries");
        if (down.size() != boc.length) throw c.error("down_block_types", "must have one entry per block_out_channels entry (" + boc.length + ")");
        if (up.size() != boc.length) throw c.error("up_block_types", "must have one entry per block_out_channels entry (" + boc.length + ")");
        String act = c.stringOr("act_fn", "silu");
        if (Activation.byName(act) == null) throw c.error("act_fn", "names an unknown activation");
        int groups = c.positiveIntOr("norm_num_groups", 32);
        for (int ch : boc) if (ch % groups != 0) throw c.error("block_out_channels", "must be multiples of norm_num_groups " + groups);
        Double shift = c.has("shift_factor") ? c.doubleOr("shift_factor", 0) : null;
        c.requireDefault("latents_mean", null, "per-channel latent statistics (SDXL-style) are not implemented");
        c.requireDefault("latents_std", null, "per-channel latent statistics (SDXL-style) are not implemented");
        return new VaeConfig(
                c.sizeOr("in_channels", 3, MAX_CHANNELS),
                c.sizeOr("out_channels", 3, MAX_CHANNELS),
                down, up, boc,
                c.sizeOr("layers_per_block", 1, MAX_LAYERS),
                act,
                c.sizeOr("latent_channels", 4, MAX_CHANNELS),
                groups,
                c.has("sample_size") ? c.sizeOr("sample_size", 0, 1 << 16) : null,
                (float) c.doubleOr("scaling_factor", 0.18215),
                shift == null ? null : shift.floatValue(),
                c.boolOr("use_quant_conv", true),
                c.boolOr("use_post_quant_conv", true),
                c.boolOr("mid_block_add_attention", true));
    }

    public Activation activation() { return Activation.byName(actFn); }
}
