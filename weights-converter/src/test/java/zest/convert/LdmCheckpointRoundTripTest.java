package zest.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;
import zest.nn.WeightsException;

/** diffusers tensors → LDM file → diffusers tensors on tiny random models, in both text encoder layouts. */
class LdmCheckpointRoundTripTest {
    @TempDir Path dir;

    static LdmConfigs tinyConfigs(String hiddenAct) {
        Map<String, Object> unet = new LinkedHashMap<>();
        unet.put("block_out_channels", List.of(8, 16));
        unet.put("layers_per_block", 1);
        unet.put("down_block_types", List.of("CrossAttnDownBlock2D", "DownBlock2D"));
        unet.put("up_block_types", List.of("UpBlock2D", "CrossAttnUpBlock2D"));
        unet.put("cross_attention_dim", 8);
        unet.put("use_linear_projection", "gelu".equals(hiddenAct));
        Map<String, Object> vae = new LinkedHashMap<>();
        vae.put("block_out_channels", List.of(4, 8));
        vae.put("layers_per_block", 1);
        vae.put("latent_channels", 2);
        Map<String, Object> text = new LinkedHashMap<>();
        text.put("vocab_size", 10);
        text.put("hidden_size", 8);
        text.put("intermediate_size", 16);
        text.put("num_hidden_layers", 2);
        text.put("max_position_embeddings", 5);
        text.put("hidden_act", hiddenAct);
        return LdmConfigs.of("tiny", unet, vae, text);
    }

    static LdmCheckpoint.Components random(LdmConfigs configs, long seed) {
        LdmKeyMapping mapping = LdmKeyMapping.of(configs);
        Random rnd = new Random(seed);
        Map<Component, Map<String, Tensor>> parts = new EnumMap<>(Component.class);
        for (Component c : Component.values()) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            for (LdmKey k : mapping.keys(c)) {
                int[] shape = k.diffusersShape();
                float[] v = new float[(int) LdmKey.numel(shape)];
                for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
                m.put(k.diffusersName(), Tensor.of(v, shape));
            }
            parts.put(c, m);
        }
        return new LdmCheckpoint.Components(parts.get(Component.UNET), parts.get(Component.VAE),
                parts.get(Component.TEXT_ENCODER), configs, mapping.textLayout(), List.of(), List.of());
    }

    @Test
    void transformersClipRoundTrip() { roundTrip("quick_gelu", TextEncoderLayout.TRANSFORMERS_CLIP); }

    @Test
    void openClipRoundTripFusesAndSplitsQkv() { roundTrip("gelu", TextEncoderLayout.OPEN_CLIP); }

    private void roundTrip(String hiddenAct, TextEncoderLayout layout) {
        LdmConfigs configs = tinyConfigs(hiddenAct);
        LdmCheckpoint.Components original = random(configs, 7);
        assertEquals(layout, original.textLayout());
        Path file = dir.resolve("tiny.safetensors");
        LdmCheckpoint.writeLdm(file, original, DType.F32);

        SafetensorsFile f = SafetensorsFile.open(file);
        assertTrue(f.names().stream().allMatch(n -> n.startsWith("model.diffusion_model.")
                || n.startsWith("first_stage_model.") || n.startsWith(layout.ldmPrefix())), f.names().toString());
        if (layout == TextEncoderLayout.OPEN_CLIP)
            assertArrayEquals(new int[] {24, 8}, f.info("cond_stage_model.model.transformer.resblocks.1.attn.in_proj_weight").shape());
        assertArrayEquals(new int[] {8, 8, 1, 1}, f.info("first_stage_model.decoder.mid.attn_1.proj_out.weight").shape());

        LdmCheckpoint.Components back = LdmCheckpoint.read(f, configs);
        assertEquals(layout, back.textLayout());
        assertEquals(List.of(), back.ignored());
        assertEquals(List.of(), back.unknown());
        for (Component c : Component.values()) {
            assertEquals(original.get(c).keySet(), back.get(c).keySet(), c.toString());
            for (var e : original.get(c).entrySet()) {
                Tensor t = back.get(c).get(e.getKey());
                assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
                assertArrayEquals(e.getValue().toFloatArray(), t.toFloatArray(), e.getKey());
            }
        }

        // the file's own shapes give back the layout-determining config values
        LdmConfigs inferred = ArchitectureInference.infer(f);
        assertEquals(List.of(8, 16), inferred.asMap(Component.UNET).get("block_out_channels"));
        assertEquals(8, inferred.asMap(Component.TEXT_ENCODER).get("hidden_size"));
    }

    @Test
    void writingRefusesIncompleteOrForeignDiffusersWeights() {
        LdmCheckpoint.Components c = random(tinyConfigs("quick_gelu"), 1);
        Map<String, Tensor> unet = new LinkedHashMap<>(c.unet());
        unet.remove("conv_in.bias");
        unet.put("not_a_unet_key", Tensor.zeros(1));
        LdmCheckpoint.Components broken = new LdmCheckpoint.Components(unet, c.vae(), c.textEncoder(), c.configs(),
                c.textLayout(), List.of(), List.of());
        WeightsException e = assertThrows(WeightsException.class,
                () -> LdmCheckpoint.writeLdm(dir.resolve("x.safetensors"), broken, DType.F16));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("conv_in.bias") && e.getMessage().contains("not_a_unet_key"), e.getMessage());
    }

    @Test
    void diffusersFolderRoundTrip() {
        LdmCheckpoint.Components original = random(tinyConfigs("quick_gelu"), 3);
        Path folder = dir.resolve("folder");
        LdmCheckpoint.writeDiffusersFolder(folder, original, DType.F32);
        LdmCheckpoint.Components back = LdmCheckpoint.readDiffusersFolder(folder);
        for (Component c : Component.values()) {
            assertEquals(original.configs().asMap(c), back.configs().asMap(c));
            for (var e : original.get(c).entrySet())
                assertArrayEquals(e.getValue().toFloatArray(), back.get(c).get(e.getKey()).toFloatArray(), e.getKey());
        }
    }
}
