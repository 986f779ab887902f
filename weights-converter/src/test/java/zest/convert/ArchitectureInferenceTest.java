package zest.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Configs read off LDM tensor shapes. */
class ArchitectureInferenceTest {
    private final Map<String, int[]> ldm = Sd15Keys.shapes(Sd15Keys.LDM);

    @Test
    void sd15ShapesGiveTheSd15Configs() {
        LdmConfigs real = Sd15Keys.configs();
        LdmConfigs inferred = ArchitectureInference.infer(ldm);
        for (Component c : Component.values()) {
            Map<String, Object> want = real.asMap(c), got = inferred.asMap(c);
            for (var e : got.entrySet()) {
                assertTrue(want.containsKey(e.getKey()), c + " config.json has no " + e.getKey());
                assertSameValue(want.get(e.getKey()), e.getValue(), c + ": " + e.getKey());
            }
        }
        for (String key : List.of("block_out_channels", "layers_per_block", "down_block_types", "up_block_types",
                "mid_block_type", "cross_attention_dim", "attention_head_dim", "use_linear_projection", "in_channels",
                "out_channels", "norm_num_groups", "sample_size"))
            assertTrue(inferred.asMap(Component.UNET).containsKey(key), key);
        for (String key : List.of("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                "max_position_embeddings", "vocab_size", "hidden_act"))
            assertTrue(inferred.asMap(Component.TEXT_ENCODER).containsKey(key), key);
        for (String key : List.of("block_out_channels", "layers_per_block", "latent_channels", "scaling_factor"))
            assertTrue(inferred.asMap(Component.VAE).containsKey(key), key);

        // and the inferred configs map the file as the real ones do
        assertEquals(LdmKeyMapping.of(real).keys(), LdmKeyMapping.of(inferred).keys());
    }

    @Test
    void sd2StyleShapesGiveHeadDim64LinearProjectionAndOpenClip() {
        Map<String, Object> unet = Sd15Keys.configs().asMap(Component.UNET);
        unet.put("cross_attention_dim", 1024);
        unet.put("use_linear_projection", true);
        unet.put("attention_head_dim", List.of(5, 10, 20, 20));
        Map<String, Object> text = Sd15Keys.configs().asMap(Component.TEXT_ENCODER);
        text.put("hidden_size", 1024);
        text.put("intermediate_size", 4096);
        text.put("num_attention_heads", 16);
        text.put("num_hidden_layers", 23);
        text.put("hidden_act", "gelu");
        LdmConfigs sd2 = LdmConfigs.of("sd2-like", unet, Sd15Keys.configs().asMap(Component.VAE), text);
        LdmKeyMapping mapping = LdmKeyMapping.of(sd2);
        assertEquals(TextEncoderLayout.OPEN_CLIP, mapping.textLayout());

        // an SD 2.x file: 24 OpenCLIP resblocks (the last one unused), text_projection, logit_scale
        Map<String, int[]> shapes = new LinkedHashMap<>();
        mapping.byLdmName().forEach((name, keys) -> shapes.put(name, keys.getFirst().ldmShape()));
        String r = "cond_stage_model.model.transformer.resblocks.";
        for (var e : List.copyOf(shapes.entrySet()))
            if (e.getKey().startsWith(r + "22.")) shapes.put(r + "23." + e.getKey().substring((r + "22.").length()), e.getValue());
        shapes.put("cond_stage_model.model.text_projection", new int[] {1024, 1024});
        shapes.put("cond_stage_model.model.logit_scale", new int[] {});

        KeyResolution res = mapping.resolve(shapes).requireComplete();
        assertEquals(List.of(), res.unknown());
        assertEquals(14, res.ignored().size()); // 12 tensors of resblock 23 + 2 extras
        assertTrue(shapes.get("model.diffusion_model.input_blocks.1.1.proj_in.weight").length == 2);

        LdmConfigs inferred = ArchitectureInference.infer(shapes);
        Map<String, Object> u = inferred.asMap(Component.UNET), t = inferred.asMap(Component.TEXT_ENCODER);
        assertEquals(List.of(5, 10, 20, 20), u.get("attention_head_dim"));
        assertEquals(true, u.get("use_linear_projection"));
        assertEquals(1024, u.get("cross_attention_dim"));
        assertEquals(23, t.get("num_hidden_layers"));
        assertEquals(16, t.get("num_attention_heads"));
        assertEquals(4096, t.get("intermediate_size"));
        assertEquals("gelu", t.get("hidden_act"));
        assertEquals(mapping.keys(), LdmKeyMapping.of(inferred).keys());
    }

    /** JSON numbers compare by value (1 vs 1.0); lists element-wise. */
    private static void assertSameValue(Object want, Object got, String what) {
        if (want instanceof Number a && got instanceof Number b) assertEquals(a.doubleValue(), b.doubleValue(), 0.0, what);
        else if (want instanceof List<?> a && got instanceof List<?> b) {
            assertEquals(a.size(), b.size(), what);
            for (int i = 0; i < a.size(); i++) assertSameValue(a.get(i), b.get(i), what + "[" + i + "]");
        } else assertEquals(want, got, what);
    }
}
