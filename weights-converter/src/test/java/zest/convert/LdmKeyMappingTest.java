package zest.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import zest.nn.WeightsException;

/** The mapping built from SD 1.5's configs against the real SD 1.5 key lists of both layouts. */
class LdmKeyMappingTest {
    private final LdmKeyMapping mapping = LdmKeyMapping.of(Sd15Keys.configs());
    private final Map<String, int[]> ldm = Sd15Keys.shapes(Sd15Keys.LDM);

    @Test
    void everyLdmKeyMapsOntoExactlyTheDiffusersKeysWithEqualShapes() {
        assertEquals(1130, ldm.size());
        KeyResolution r = mapping.resolve(ldm).requireComplete();
        assertEquals(List.of(), r.ignored());
        assertEquals(List.of(), r.unknown());
        assertEquals(1130, r.matched().size());

        Map<Component, Map<String, int[]>> mapped = new HashMap<>();
        for (KeyResolution.Match m : r.matched()) {
            // toDiffusers reshapes to exactly diffusersShape (LdmKeyTest checks the data); here: the table's shapes
            assertTrue(m.key().acceptsLdmShape(ldm.get(m.checkpointName())), m.toString());
            mapped.computeIfAbsent(m.key().component(), c -> new HashMap<>()).put(m.key().diffusersName(), m.key().diffusersShape());
        }
        int total = 0;
        for (Component c : Component.values()) {
            Map<String, int[]> expected = Sd15Keys.diffusers(c);
            assertEquals(expected.keySet(), mapped.get(c).keySet(), c + " keys");
            for (var e : expected.entrySet())
                assertArrayEquals(e.getValue(), mapped.get(c).get(e.getKey()), c + ": " + e.getKey());
            total += expected.size();
        }
        assertEquals(686 + 248 + 196, total);
    }

    @Test
    void ldmToDiffusersPerComponentCoversEveryName() {
        Set<String> seen = new HashSet<>();
        for (Component c : Component.values()) {
            Map<String, String> m = mapping.ldmToDiffusers(c, ldm.keySet());
            assertEquals(Sd15Keys.diffusers(c).keySet(), new HashSet<>(m.values()), c.toString());
            for (String name : m.keySet()) {
                assertEquals(c, mapping.componentOf(name));
                assertTrue(seen.add(name), "mapped twice: " + name);
            }
        }
        assertEquals(ldm.keySet(), seen);
        assertEquals(Component.VAE, mapping.componentOf("first_stage_model.decoder.mid.attn_1.q.weight"));
        assertEquals("decoder.mid_block.attentions.0.to_q.weight",
                mapping.ldmToDiffusers(Component.VAE, List.of("first_stage_model.decoder.mid.attn_1.q.weight"))
                        .get("first_stage_model.decoder.mid.attn_1.q.weight"));
    }

    @Test
    void diffusersToLdmIsTheInverseWithLdmShapes() {
        Set<String> ldmNames = new HashSet<>();
        for (Component c : Component.values()) {
            Map<String, int[]> diff = Sd15Keys.diffusers(c);
            Map<String, String> back = mapping.diffusersToLdm(c);
            assertEquals(diff.keySet(), back.keySet(), c.toString());
            for (var e : back.entrySet()) {
                LdmKey k = mapping.diffusersKey(c, e.getKey());
                assertArrayEquals(ldm.get(e.getValue()), k.ldmShape(), e.getValue());
                assertArrayEquals(diff.get(e.getKey()), k.diffusersShape(), e.getKey());
                assertTrue(ldmNames.add(e.getValue()), "written twice: " + e.getValue());
            }
        }
        assertEquals(ldm.keySet(), ldmNames);
    }

    @Test
    void onlyTheVaeMidAttentionIsReshaped() {
        List<String> reshaped = mapping.keys().stream().filter(LdmKey::isReshaped).map(LdmKey::diffusersName).sorted().toList();
        List<String> expected = new ArrayList<>();
        for (String side : List.of("decoder", "encoder"))
            for (String p : List.of("to_k", "to_out.0", "to_q", "to_v"))
                expected.add(side + ".mid_block.attentions.0." + p + ".weight");
        assertEquals(expected, reshaped);
        assertArrayEquals(new int[] {512, 512, 1, 1}, ldm.get("first_stage_model.encoder.mid.attn_1.proj_out.weight"));
    }

    @Test
    void knownExtrasAreIgnoredAndListed() {
        Map<String, int[]> withExtras = new LinkedHashMap<>(ldm);
        List<String> extras = new ArrayList<>();
        // EMA copies: the training code's names with the dots of model.diffusion_model.* removed
        for (String name : List.of("model_ema.diffusion_modelinput_blocks00weight", "model_ema.diffusion_modelout2bias",
                "model_ema.decay", "model_ema.num_updates"))
            extras.add(name);
        extras.add("cond_stage_model.transformer.text_model.embeddings.position_ids");
        extras.addAll(List.of("betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
                "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
                "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
                "posterior_mean_coef1", "posterior_mean_coef2", "logvar"));
        for (String e : extras) withExtras.put(e, new int[] {1000});

        KeyResolution r = mapping.resolve(withExtras).requireComplete();
        assertEquals(extras, r.ignored());
        assertEquals(List.of(), r.unknown());
        assertEquals(1130, r.matched().size());
        for (String e : extras) assertNotNull(mapping.ignoredReason(e), e);
    }

    @Test
    void unknownKeysAreReportedNotDropped() {
        Map<String, int[]> withUnknown = new LinkedHashMap<>(ldm);
        withUnknown.put("model.diffusion_model.label_emb.0.0.weight", new int[] {1280, 768});
        withUnknown.put("something_else", new int[] {3});
        KeyResolution r = mapping.resolve(withUnknown).requireComplete();
        assertEquals(List.of("model.diffusion_model.label_emb.0.0.weight", "something_else"), r.unknown());
        assertEquals(1130, r.matched().size());
    }

    @Test
    void missingKeysGiveOneErrorListingThemAll() {
        Map<String, int[]> partial = new LinkedHashMap<>(ldm);
        partial.remove("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight");
        partial.remove("first_stage_model.decoder.mid.attn_1.v.bias");
        KeyResolution r = mapping.resolve(partial);
        assertEquals(2, r.missing().size());
        WeightsException e = assertThrows(WeightsException.class, r::requireComplete);
        assertEquals(2, e.problems().size());
        assertTrue(e.getMessage().contains("model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("first_stage_model.decoder.mid.attn_1.v.bias"), e.getMessage());
    }

    @Test
    void wrongShapesAreListedInTheSameError() {
        Map<String, int[]> bad = new LinkedHashMap<>(ldm);
        bad.put("model.diffusion_model.out.2.weight", new int[] {8, 320, 3, 3});
        bad.remove("first_stage_model.quant_conv.bias");
        WeightsException e = assertThrows(WeightsException.class, () -> mapping.resolve(bad).requireComplete());
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("[8, 320, 3, 3]"), e.getMessage());
        assertTrue(e.getMessage().contains("first_stage_model.quant_conv.bias"), e.getMessage());
    }

    @Test
    void vaeAttentionAlreadyStoredAsLinearIsAccepted() {
        Map<String, int[]> linear = new LinkedHashMap<>(ldm);
        linear.put("first_stage_model.encoder.mid.attn_1.q.weight", new int[] {512, 512});
        KeyResolution r = mapping.resolve(linear).requireComplete();
        KeyResolution.Match q = r.matched().stream()
                .filter(m -> m.checkpointName().equals("first_stage_model.encoder.mid.attn_1.q.weight")).findFirst().orElseThrow();
        assertArrayEquals(new int[] {512, 512}, q.key().toDiffusers(zest.engine.Tensor.zeros(512, 512)).shape());
    }

    @Test
    void textEncoderWithoutTheTextModelLevelIsRead() {
        Map<String, int[]> old = new LinkedHashMap<>();
        String p = "cond_stage_model.transformer.";
        for (var e : ldm.entrySet())
            old.put(e.getKey().startsWith(p + "text_model.") ? p + e.getKey().substring((p + "text_model.").length()) : e.getKey(), e.getValue());
        old.put(p + "embeddings.position_ids", new int[] {1, 77});
        KeyResolution r = mapping.resolve(old).requireComplete();
        assertEquals(List.of(p + "embeddings.position_ids"), r.ignored());
        assertEquals(List.of(), r.unknown());
        assertEquals(Component.TEXT_ENCODER, mapping.componentOf(p + "final_layer_norm.weight"));
        assertEquals(Arrays.asList(p + "text_model.final_layer_norm.weight"),
                List.of(mapping.diffusersToLdm(Component.TEXT_ENCODER).get("text_model.final_layer_norm.weight")));
    }
}
