package zest.convert;

import java.util.List;
import zest.nn.ConfigException;
import zest.nn.JsonConfig;

/**
 * The AutoencoderKL keys of an LDM checkpoint ({@code first_stage_model.*}), generated from the diffusers config.
 *
 * <p>Renames: {@code down.i.block.j} = {@code down_blocks.i.resnets.j}, {@code down.i.downsample} =
 * {@code down_blocks.i.downsamplers.0}; the decoder's {@code up.k} is numbered from the lowest resolution up, so
 * {@code up.(n-1-i)} = {@code up_blocks.i}; {@code mid.block_1/attn_1/block_2} = {@code mid_block.resnets.0 /
 * attentions.0 / resnets.1}; {@code nin_shortcut} = {@code conv_shortcut}, {@code norm_out} = {@code conv_norm_out}.
 * The mid-block attention is written with 1x1 convs in LDM ({@code norm, q, k, v, proj_out}) and with Linear layers in
 * diffusers ({@code group_norm, to_q, to_k, to_v, to_out.0}): the only reshaped weights.
 */
final class VaeKeys {
    static final String LDM_PREFIX = "first_stage_model.";

    private final KeyTable t = new KeyTable(Component.VAE, LDM_PREFIX);
    private final boolean midAttention;

    private VaeKeys(boolean midAttention) { this.midAttention = midAttention; }

    static List<LdmKey> of(JsonConfig c) {
        int[] boc = c.intListOr("block_out_channels", new int[] {64});
        int n = boc.length;
        int layers = c.positiveIntOr("layers_per_block", 1);
        int latent = c.positiveIntOr("latent_channels", 4);
        checkTypes(c, "down_block_types", "DownEncoderBlock2D", n);
        checkTypes(c, "up_block_types", "UpDecoderBlock2D", n);
        VaeKeys v = new VaeKeys(c.boolOr("mid_block_add_attention", true));
        KeyTable t = v.t;

        t.conv("encoder.conv_in", "encoder.conv_in", boc[0], c.positiveIntOr("in_channels", 3), 3);
        int out = boc[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = boc[i];
            for (int j = 0; j < layers; j++)
                v.resnet("encoder.down." + i + ".block." + j, "encoder.down_blocks." + i + ".resnets." + j, j == 0 ? in : out, out);
            if (i < n - 1)
                t.conv("encoder.down." + i + ".downsample.conv", "encoder.down_blocks." + i + ".downsamplers.0.conv", out, out, 3);
        }
        v.mid("encoder", boc[n - 1]);
        t.norm("encoder.norm_out", "encoder.conv_norm_out", boc[n - 1]);
        t.conv("encoder.conv_out", "encoder.conv_out", 2 * latent, boc[n - 1], 3); // mean and logvar

        if (c.boolOr("use_quant_conv", true)) t.conv("quant_conv", "quant_conv", 2 * latent, 2 * latent, 1);
        if (c.boolOr("use_post_quant_conv", true)) t.conv("post_quant_conv", "post_quant_conv", latent, latent, 1);

        t.conv("decoder.conv_in", "decoder.conv_in", boc[n - 1], latent, 3);
        v.mid("decoder", boc[n - 1]);
        out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            int prev = out;
            out = boc[n - 1 - i];
            String ldm = "decoder.up." + (n - 1 - i), diff = "decoder.up_blocks." + i;
            for (int j = 0; j <= layers; j++)
                v.resnet(ldm + ".block." + j, diff + ".resnets." + j, j == 0 ? prev : out, out);
            if (i < n - 1) t.conv(ldm + ".upsample.conv", diff + ".upsamplers.0.conv", out, out, 3);
        }
        t.norm("decoder.norm_out", "decoder.conv_norm_out", boc[0]);
        t.conv("decoder.conv_out", "decoder.conv_out", c.positiveIntOr("out_channels", 3), boc[0], 3);
        return t.keys();
    }

    private static void checkTypes(JsonConfig c, String field, String only, int n) {
        List<String> types = c.stringListOr(field, null);
        if (types == null) return;
        if (types.size() != n)
            throw c.error(field, "must have one entry per block_out_channels entry (" + n + ")");
        for (String type : types)
            if (!type.equals(only))
                throw new ConfigException(c.source() + ": '" + field + "' entry " + type + " is not supported (" + only + ")");
    }

    /** ResnetBlock (LDM) = ResnetBlock2D without time embedding (diffusers). */
    private void resnet(String ldm, String diff, int in, int out) {
        t.norm(ldm + ".norm1", diff + ".norm1", in);
        t.conv(ldm + ".conv1", diff + ".conv1", out, in, 3);
        t.norm(ldm + ".norm2", diff + ".norm2", out);
        t.conv(ldm + ".conv2", diff + ".conv2", out, out, 3);
        if (in != out) t.conv(ldm + ".nin_shortcut", diff + ".conv_shortcut", out, in, 1);
    }

    private void mid(String side, int ch) {
        String ldm = side + ".mid.", diff = side + ".mid_block.";
        resnet(ldm + "block_1", diff + "resnets.0", ch, ch);
        if (midAttention) {
            String a = ldm + "attn_1.", d = diff + "attentions.0.";
            t.norm(a + "norm", d + "group_norm", ch);
            t.linearAsConv1x1(a + "q", d + "to_q", ch, ch);
            t.linearAsConv1x1(a + "k", d + "to_k", ch, ch);
            t.linearAsConv1x1(a + "v", d + "to_v", ch, ch);
            t.linearAsConv1x1(a + "proj_out", d + "to_out.0", ch, ch);
        }
        resnet(ldm + "block_2", diff + "resnets.1", ch, ch);
    }
}
