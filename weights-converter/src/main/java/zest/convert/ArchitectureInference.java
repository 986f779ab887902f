package zest.convert;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import zest.engine.io.SafetensorsFile;
import zest.nn.ConfigException;

/**
 * Diffusers configs for an LDM single file, which carries none, read off its tensor shapes.
 *
 * <p>From shapes: UNet block_out_channels (conv widths), layers_per_block (count of input_blocks), block types
 * (attention present per block), cross_attention_dim (attn2.to_k input width), use_linear_projection (proj_in is 2-D),
 * transformer depth, in/out channels and kernels, time embedding width; VAE channels, layers, latent channels, quant
 * convs, mid attention; text encoder vocabulary, width, depth, MLP width, positions.
 *
 * <p>Not in the shapes, so set by rule (pass a config folder to {@link LdmConfigs#fromFolder} for anything else,
 * e.g. sd-tiny's norm_num_groups 8):
 * <ul>
 *   <li>UNet attention heads (attention_head_dim, diffusers' legacy name for the head count): cross_attention_dim
 *       1024 (SD 2.x, OpenCLIP ViT-H) → head dim 64, i.e. {@code [c/64 per block]} ([5, 10, 20, 20] for SD 2.x);
 *       otherwise 8 heads (SD 1.x).</li>
 *   <li>Text encoder heads: hidden_size / 64 (SD 1.x 12, SD 2.x 16); widths below 64 get hidden_size / 8.</li>
 *   <li>Text hidden_act: quick_gelu for the transformers layout (OpenAI CLIP), gelu for OpenCLIP; OpenCLIP
 *       num_hidden_layers 23 for the 1024-wide ViT-H tower (SD 2.x uses the penultimate of its 24 layers, as
 *       diffusers' SD 2 configs do), otherwise resblocks - 1.</li>
 *   <li>norm_num_groups 32, norm eps, sample sizes (UNet 64, VAE 512), scaling_factor 0.18215, upcast_attention
 *       false: the SD 1.x / 2.x-base values (a 768-px v-model such as SD 2.1 needs sample_size 96 and
 *       upcast_attention from its own config).</li>
 * </ul>
 */
public final class ArchitectureInference {
    private ArchitectureInference() {}

    private static final String UNET = UnetKeys.LDM_PREFIX;
    private static final String VAE = VaeKeys.LDM_PREFIX;

    /** The three configs inferred from a checkpoint's header. */
    public static LdmConfigs infer(SafetensorsFile file) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (String n : file.names()) shapes.put(n, file.info(n).shape());
        return infer(shapes);
    }

    /** The three configs inferred from LDM tensor names and shapes. */
    public static LdmConfigs infer(Map<String, int[]> shapes) {
        return LdmConfigs.of("inferred", unetConfig(shapes), vaeConfig(shapes), textEncoderConfig(shapes));
    }

    public static Map<String, Object> unetConfig(Map<String, int[]> shapes) {
        int[] convIn = shape(shapes, UNET + "input_blocks.0.0.weight");
        int inputBlocks = indices(shapes, UNET + "input_blocks.").size();
        int downsamplers = 0;
        for (int i = 0; i < inputBlocks; i++) if (shapes.containsKey(UNET + "input_blocks." + i + ".0.op.weight")) downsamplers++;
        int n = downsamplers + 1;
        int layers = (inputBlocks - 1 - downsamplers) / n;
        if (layers < 1 || 1 + n * layers + downsamplers != inputBlocks)
            throw new ConfigException("cannot infer the UNet layout: " + inputBlocks + " input_blocks with " + downsamplers + " downsamplers");

        List<Integer> boc = new ArrayList<>();
        List<String> down = new ArrayList<>(), up = new ArrayList<>();
        int crossDim = 0, depth = 1;
        Boolean linearProjection = null;
        for (int i = 0; i < n; i++) {
            String first = UNET + "input_blocks." + ((layers + 1) * i + 1);
            boc.add(shape(shapes, first + ".0.in_layers.2.weight")[0]);
            boolean attention = shapes.containsKey(first + ".1.proj_in.weight");
            down.add(attention ? "CrossAttnDownBlock2D" : "DownBlock2D");
            if (attention && linearProjection == null) {
                linearProjection = shape(shapes, first + ".1.proj_in.weight").length == 2;
                crossDim = shape(shapes, first + ".1.transformer_blocks.0.attn2.to_k.weight")[1];
                depth = indices(shapes, first + ".1.transformer_blocks.").size();
            }
            up.add(shapes.containsKey(UNET + "output_blocks." + ((layers + 1) * i) + ".1.proj_in.weight")
                    ? "CrossAttnUpBlock2D" : "UpBlock2D");
        }
        String mid;
        if (shapes.containsKey(UNET + "middle_block.1.proj_in.weight")) mid = "UNetMidBlock2DCrossAttn";
        else if (indices(shapes, UNET + "middle_block.").isEmpty()) mid = null;
        else throw new ConfigException("cannot infer the UNet layout: middle_block without attention is not an SD UNet");
        if (linearProjection == null && mid != null) {
            linearProjection = shape(shapes, UNET + "middle_block.1.proj_in.weight").length == 2;
            crossDim = shape(shapes, UNET + "middle_block.1.transformer_blocks.0.attn2.to_k.weight")[1];
        }
        int temb = shape(shapes, UNET + "time_embed.0.weight")[0];
        int[] convOut = shape(shapes, UNET + "out.2.weight");

        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "UNet2DConditionModel");
        c.put("act_fn", "silu");
        c.put("attention_head_dim", attentionHeads(crossDim, boc));
        c.put("block_out_channels", boc);
        c.put("center_input_sample", false);
        c.put("class_embed_type", null);
        c.put("addition_embed_type", null);
        c.put("conv_in_kernel", convIn[2]);
        c.put("conv_out_kernel", convOut[2]);
        c.put("cross_attention_dim", crossDim == 0 ? 1280 : crossDim);
        c.put("down_block_types", down);
        c.put("downsample_padding", 1);
        c.put("dual_cross_attention", false);
        c.put("flip_sin_to_cos", true);
        c.put("freq_shift", 0);
        c.put("in_channels", convIn[1]);
        c.put("layers_per_block", layers);
        c.put("mid_block_scale_factor", 1.0);
        c.put("mid_block_type", mid);
        c.put("norm_eps", 1e-5);
        c.put("norm_num_groups", 32);
        c.put("num_attention_heads", null);
        c.put("only_cross_attention", false);
        c.put("out_channels", convOut[0]);
        c.put("resnet_time_scale_shift", "default");
        c.put("sample_size", 64);
        c.put("time_embedding_dim", temb == 4 * boc.getFirst() ? null : temb);
        c.put("time_embedding_type", "positional");
        c.put("transformer_layers_per_block", depth);
        c.put("up_block_types", up);
        c.put("upcast_attention", false);
        c.put("use_linear_projection", linearProjection != null && linearProjection);
        return c;
    }

    /** See the class comment: head count per block is not stored in any shape. */
    static Object attentionHeads(int crossDim, List<Integer> boc) {
        if (crossDim != 1024) return 8;
        List<Integer> heads = new ArrayList<>();
        for (int ch : boc) heads.add(ch / 64);
        return heads;
    }

    public static Map<String, Object> vaeConfig(Map<String, int[]> shapes) {
        String enc = VAE + "encoder.";
        int n = indices(shapes, enc + "down.").size();
        if (n == 0) throw new ConfigException("cannot infer the VAE layout: no " + enc + "down.* tensors");
        List<Integer> boc = new ArrayList<>();
        for (int i = 0; i < n; i++) boc.add(shape(shapes, enc + "down." + i + ".block.0.conv1.weight")[0]);
        int[] decoderIn = shape(shapes, VAE + "decoder.conv_in.weight");
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "AutoencoderKL");
        c.put("act_fn", "silu");
        c.put("block_out_channels", boc);
        c.put("down_block_types", Collections.nCopies(n, "DownEncoderBlock2D"));
        c.put("force_upcast", true);
        c.put("in_channels", shape(shapes, enc + "conv_in.weight")[1]);
        c.put("latent_channels", decoderIn[1]);
        c.put("latents_mean", null);
        c.put("latents_std", null);
        c.put("layers_per_block", indices(shapes, enc + "down.0.block.").size());
        c.put("mid_block_add_attention", shapes.containsKey(enc + "mid.attn_1.q.weight"));
        c.put("norm_num_groups", 32);
        c.put("out_channels", shape(shapes, VAE + "decoder.conv_out.weight")[0]);
        c.put("sample_size", 512);
        c.put("scaling_factor", 0.18215);
        c.put("shift_factor", null);
        c.put("up_block_types", Collections.nCopies(n, "UpDecoderBlock2D"));
        c.put("use_post_quant_conv", shapes.containsKey(VAE + "post_quant_conv.weight"));
        c.put("use_quant_conv", shapes.containsKey(VAE + "quant_conv.weight"));
        return c;
    }

    public static Map<String, Object> textEncoderConfig(Map<String, int[]> shapes) {
        boolean openClip = TextEncoderLayout.detect(shapes.keySet()) == TextEncoderLayout.OPEN_CLIP;
        int[] tokens, positions, fc1;
        int layers;
        if (openClip) {
            String p = TextEncoderLayout.OPEN_CLIP.ldmPrefix();
            tokens = shape(shapes, p + "token_embedding.weight");
            positions = shape(shapes, p + "positional_embedding");
            fc1 = shape(shapes, p + "transformer.resblocks.0.mlp.c_fc.weight");
            layers = openClipLayers(indices(shapes, p + "transformer.resblocks.").size(), tokens[1]);
        } else {
            String p = TextEncoderLayout.TRANSFORMERS_CLIP.ldmPrefix();
            // older transformers saved CLIPTextModel without its text_model level
            if (!shapes.containsKey(p + "embeddings.token_embedding.weight")) p = p + "text_model.";
            tokens = shape(shapes, p + "embeddings.token_embedding.weight");
            positions = shape(shapes, p + "embeddings.position_embedding.weight");
            fc1 = shape(shapes, p + "encoder.layers.0.mlp.fc1.weight");
            layers = indices(shapes, p + "encoder.layers.").size();
        }
        int hidden = tokens[1];
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("CLIPTextModel"));
        c.put("attention_dropout", 0.0);
        c.put("bos_token_id", 0);
        c.put("eos_token_id", 2);
        c.put("hidden_act", openClip ? "gelu" : "quick_gelu");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", fc1[0]);
        c.put("layer_norm_eps", 1e-5);
        c.put("max_position_embeddings", positions[0]);
        c.put("model_type", "clip_text_model");
        c.put("num_attention_heads", hidden >= 64 && hidden % 64 == 0 ? hidden / 64 : Math.max(1, hidden / 8));
        c.put("num_hidden_layers", layers);
        c.put("pad_token_id", 1);
        c.put("vocab_size", tokens[0]);
        return c;
    }

    /**
     * SD 2.x conditions on the penultimate layer of OpenCLIP ViT-H/14's 24-layer text tower, so diffusers' SD 2.x
     * configs have 23 layers. Original checkpoints hold all 24 resblocks, files converted from diffusers only 23:
     * both mean 23 for the 1024-wide ViT-H tower. Other towers: all resblocks but the last.
     */
    static int openClipLayers(int resblocks, int hidden) {
        return hidden == 1024 && resblocks >= 23 ? 23 : resblocks - 1;
    }

    private static int[] shape(Map<String, int[]> shapes, String name) {
        int[] s = shapes.get(name);
        if (s == null) throw new ConfigException("cannot infer the architecture: the checkpoint has no tensor " + name);
        return s;
    }

    /** The distinct integers that follow {@code prefix} in the names (e.g. block numbers). */
    private static TreeSet<Integer> indices(Map<String, int[]> shapes, String prefix) {
        Pattern p = Pattern.compile(Pattern.quote(prefix) + "(\\d+)\\..*");
        TreeSet<Integer> out = new TreeSet<>();
        for (String name : shapes.keySet()) {
            Matcher m = p.matcher(name);
            if (m.matches()) out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }
}
