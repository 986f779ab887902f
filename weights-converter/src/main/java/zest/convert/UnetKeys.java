package zest.convert;

import java.util.List;
import zest.nn.ConfigException;
import zest.nn.JsonConfig;

/**
 * The UNet2DConditionModel keys of an LDM checkpoint ({@code model.diffusion_model.*}), generated from the diffusers
 * config so that every expected tensor and its shape is known before the file is read.
 *
 * <p>LDM numbers the UNet as flat sequences: {@code input_blocks.0} is conv_in, then per down block
 * {@code layers_per_block} entries {@code [resnet, attention?]} followed by one downsampler ({@code .0.op}) except
 * after the last block; {@code middle_block.0/1/2} are resnet, attention, resnet; {@code output_blocks} hold per up
 * block {@code layers_per_block + 1} entries {@code [resnet, attention?, upsampler?]}, the upsampler sitting in the
 * block's last entry right after its resnet and attention. Inside a resnet the sequential indices
 * ({@code in_layers.0} = norm1, {@code in_layers.2} = conv1, {@code emb_layers.1} = time_emb_proj,
 * {@code out_layers.0} = norm2, {@code out_layers.3} = conv2) skip the activation / dropout modules. Transformer
 * blocks have the same names on both sides.
 */
final class UnetKeys {
    static final String LDM_PREFIX = "model.diffusion_model.";

    private final KeyTable t = new KeyTable(Component.UNET, LDM_PREFIX);
    private final int temb;
    private final int crossDim;
    private final boolean linearProjection;

    private UnetKeys(int temb, int crossDim, boolean linearProjection) {
        this.temb = temb;
        this.crossDim = crossDim;
        this.linearProjection = linearProjection;
    }

    static List<LdmKey> of(JsonConfig c) {
        int[] boc = c.intListOr("block_out_channels", new int[] {320, 640, 1280, 1280});
        int n = boc.length;
        int layers = c.positiveIntOr("layers_per_block", 2);
        if (c.node("layers_per_block") != null && c.node("layers_per_block").isArray())
            throw c.error("layers_per_block", "must be one integer (per-block lists cannot be written as an LDM UNet)");
        List<String> down = c.stringListOr("down_block_types",
                List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
        List<String> up = c.stringListOr("up_block_types",
                List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"));
        if (down.size() != n || up.size() != n)
            throw c.error("down_block_types", "and up_block_types must have one entry per block_out_channels entry (" + n + ")");
        // absent: diffusers' default; JSON null: no middle block
        String mid = c.root().has("mid_block_type") ? c.stringOr("mid_block_type", null) : "UNetMidBlock2DCrossAttn";
        if (mid != null && !mid.equals("UNetMidBlock2DCrossAttn"))
            throw c.error("mid_block_type", "must be UNetMidBlock2DCrossAttn (the only LDM middle block)");
        if (c.node("cross_attention_dim") != null && c.node("cross_attention_dim").isArray())
            throw c.error("cross_attention_dim", "must be one integer");
        for (String f : List.of("class_embed_type", "addition_embed_type", "encoder_hid_dim", "time_cond_proj_dim"))
            c.requireDefault(f, null, "no LDM checkpoint layout for it");
        c.requireDefault("dual_cross_attention", false, "no LDM checkpoint layout for it");
        int[] depth = c.intOrListOr("transformer_layers_per_block", 1, n);
        int temb = c.has("time_embedding_dim") ? c.positiveIntOr("time_embedding_dim", 0) : 4 * boc[0];
        int kin = c.positiveIntOr("conv_in_kernel", 3), kout = c.positiveIntOr("conv_out_kernel", 3);

        UnetKeys u = new UnetKeys(temb, c.positiveIntOr("cross_attention_dim", 1280),
                c.boolOr("use_linear_projection", false));
        KeyTable t = u.t;
        t.linear("time_embed.0", "time_embedding.linear_1", temb, boc[0]);
        t.linear("time_embed.2", "time_embedding.linear_2", temb, temb);
        t.conv("input_blocks.0.0", "conv_in", boc[0], c.positiveIntOr("in_channels", 4), kin);

        int out = boc[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = boc[i];
            boolean attention = isCrossAttention(c, "down_block_types", down.get(i), "CrossAttnDownBlock2D", "DownBlock2D");
            for (int j = 0; j < layers; j++) {
                String ldm = "input_blocks." + ((layers + 1) * i + j + 1);
                String diff = "down_blocks." + i;
                u.resnet(ldm + ".0", diff + ".resnets." + j, j == 0 ? in : out, out);
                if (attention) u.transformer(ldm + ".1", diff + ".attentions." + j, out, depth[i]);
            }
            if (i < n - 1)
                t.conv("input_blocks." + ((layers + 1) * (i + 1)) + ".0.op", "down_blocks." + i + ".downsamplers.0.conv", out, out, 3);
        }

        if (mid != null) {
            int ch = boc[n - 1];
            u.resnet("middle_block.0", "mid_block.resnets.0", ch, ch);
            u.transformer("middle_block.1", "mid_block.attentions.0", ch, depth[n - 1]);
            u.resnet("middle_block.2", "mid_block.resnets.1", ch, ch);
        }

        // diffusers' get_up_block: the last resnet of each up block takes the skip from the block below
        out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            int prev = out;
            out = boc[n - 1 - i];
            int in = boc[Math.max(n - 2 - i, 0)];
            boolean attention = isCrossAttention(c, "up_block_types", up.get(i), "CrossAttnUpBlock2D", "UpBlock2D");
            for (int j = 0; j <= layers; j++) {
                String ldm = "output_blocks." + ((layers + 1) * i + j);
                String diff = "up_blocks." + i;
                int skip = j == layers ? in : out;
                u.resnet(ldm + ".0", diff + ".resnets." + j, (j == 0 ? prev : out) + skip, out);
                if (attention) u.transformer(ldm + ".1", diff + ".attentions." + j, out, depth[n - 1 - i]);
            }
            if (i < n - 1) {
                String ldm = "output_blocks." + ((layers + 1) * i + layers) + "." + (attention ? 2 : 1) + ".conv";
                t.conv(ldm, "up_blocks." + i + ".upsamplers.0.conv", out, out, 3);
            }
        }

        t.norm("out.0", "conv_norm_out", boc[0]);
        t.conv("out.2", "conv_out", c.positiveIntOr("out_channels", 4), boc[0], kout);
        return t.keys();
    }

    private static boolean isCrossAttention(JsonConfig c, String field, String type, String cross, String plain) {
        if (type.equals(cross)) return true;
        if (type.equals(plain)) return false;
        throw new ConfigException(c.source() + ": '" + field + "' entry " + type + " is not supported (" + cross
                + " or " + plain + ")");
    }

    /** ResBlock (LDM) = ResnetBlock2D (diffusers). */
    private void resnet(String ldm, String diff, int in, int out) {
        t.norm(ldm + ".in_layers.0", diff + ".norm1", in);
        t.conv(ldm + ".in_layers.2", diff + ".conv1", out, in, 3);
        t.linear(ldm + ".emb_layers.1", diff + ".time_emb_proj", out, temb);
        t.norm(ldm + ".out_layers.0", diff + ".norm2", out);
        t.conv(ldm + ".out_layers.3", diff + ".conv2", out, out, 3);
        if (in != out) t.conv(ldm + ".skip_connection", diff + ".conv_shortcut", out, in, 1);
    }

    /** SpatialTransformer (LDM) = Transformer2DModel (diffusers): identical names inside. */
    private void transformer(String ldm, String diff, int ch, int depth) {
        t.norm(ldm + ".norm", diff + ".norm", ch);
        projection(ldm + ".proj_in", diff + ".proj_in", ch);
        for (int d = 0; d < depth; d++) {
            String l = ldm + ".transformer_blocks." + d, f = diff + ".transformer_blocks." + d;
            t.norm(l + ".norm1", f + ".norm1", ch);
            attention(l + ".attn1", f + ".attn1", ch, ch);
            t.norm(l + ".norm2", f + ".norm2", ch);
            attention(l + ".attn2", f + ".attn2", ch, crossDim);
            t.norm(l + ".norm3", f + ".norm3", ch);
            t.linear(l + ".ff.net.0.proj", f + ".ff.net.0.proj", 8 * ch, ch); // GEGLU: value and gate halves
            t.linear(l + ".ff.net.2", f + ".ff.net.2", ch, 4 * ch);
        }
        projection(ldm + ".proj_out", diff + ".proj_out", ch);
    }

    /** SD 1.x: 1x1 convs on both sides; SD 2.x (use_linear_projection): Linear on both sides. */
    private void projection(String ldm, String diff, int ch) {
        if (linearProjection) t.linear(ldm, diff, ch, ch);
        else t.conv(ldm, diff, ch, ch, 1);
    }

    private void attention(String ldm, String diff, int ch, int contextDim) {
        t.linearNoBias(ldm + ".to_q", diff + ".to_q", ch, ch);
        t.linearNoBias(ldm + ".to_k", diff + ".to_k", ch, contextDim);
        t.linearNoBias(ldm + ".to_v", diff + ".to_v", ch, contextDim);
        t.linear(ldm + ".to_out.0", diff + ".to_out.0", ch, ch);
    }
}
