package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.convert.Component;
import zest.convert.LdmCheckpoint;
import zest.convert.LdmConfigs;
import zest.convert.LdmKey;
import zest.convert.LdmKeyMapping;
import zest.engine.Tensor;
import zest.engine.io.Safetensors;
import zest.engine.io.SafetensorsFile;

/**
 * {@code zest inspect} on the sd-tiny fixtures (its diffusers folder and LDM single file), on an LDM file with known
 * extras and an unknown tensor, on a full-size SD 1.5 header (a sparse file: no weights exist at all) and on a tiny
 * SD 2.x-shaped checkpoint. Expected parameter counts are added up here from the fixtures' own headers.
 */
class InspectCommandTest {
    @TempDir Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] LDM_PREFIXES = {"model.diffusion_model.", "first_stage_model.", "cond_stage_model."};

    static Path sdTiny() { return Parity.resource("sd-tiny"); }

    static Path sdTinyLdm() { return Parity.resource("sd-tiny/sd-tiny-ldm.safetensors"); }

    /** Parameters per component of the sd-tiny diffusers folder, summed over its weight files' shapes. */
    static Map<Component, Long> folderParameters() {
        Map<Component, Long> out = new EnumMap<>(Component.class);
        for (Component c : Component.values()) {
            SafetensorsFile f = SafetensorsFile.open(sdTiny().resolve(c.folder()).resolve(c.weightsFile()));
            long n = 0;
            for (String name : f.names()) n += f.info(name).numel();
            out.put(c, n);
        }
        return out;
    }

    /** Parameters per component of an LDM file by name prefix (UNet, VAE, text encoder). */
    static Map<Component, Long> ldmParameters(SafetensorsFile f) {
        Map<Component, Long> out = new EnumMap<>(Component.class);
        for (String name : f.names())
            for (int i = 0; i < LDM_PREFIXES.length; i++)
                if (name.startsWith(LDM_PREFIXES[i])) out.merge(Component.values()[i], f.info(name).numel(), Long::sum);
        return out;
    }

    static JsonNode inspectJson(String... pathAndOptions) throws IOException {
        List<String> args = new ArrayList<>(List.of("inspect", "--json"));
        args.addAll(List.of(pathAndOptions));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run::toString);
        return JSON.readTree(run.out());
    }

    private static JsonNode component(JsonNode report, String name) {
        for (JsonNode c : report.get("components")) if (c.get("name").asText().equals(name)) return c;
        throw new AssertionError("no component " + name + " in " + report.get("components"));
    }

    private static void assertSdTinyArchitecture(JsonNode a) {
        assertEquals("SD 1.x", a.get("family").asText());
        assertFalse(a.get("standardSize").asBoolean(), "sd-tiny is far narrower than SD 1.5");
        assertEquals("[32,64,64,64]", a.get("unet").get("blockOutChannels").toString());
        assertEquals("[2,2,2,2]", a.get("unet").get("layersPerBlock").toString());
        assertEquals("[8,8,8,8]", a.get("unet").get("attentionHeads").toString());
        assertEquals(32, a.get("unet").get("crossAttentionDim").asInt());
        assertEquals(4, a.get("unet").get("inChannels").asInt());
        assertEquals("OpenAI CLIP", a.get("textEncoder").get("kind").asText());
        assertEquals(32, a.get("textEncoder").get("hiddenSize").asInt());
        assertEquals(2, a.get("textEncoder").get("layers").asInt());
        assertEquals(4, a.get("textEncoder").get("attentionHeads").asInt());
        assertEquals("[16,32,32,32]", a.get("vae").get("blockOutChannels").toString());
        assertEquals(4, a.get("vae").get("latentChannels").asInt());
        assertEquals("epsilon", a.get("predictionType").asText());
    }

    @Test
    void ldmSingleFile() throws IOException {
        JsonNode r = inspectJson(sdTinyLdm().toString());
        assertEquals("LDM single file", r.get("layout").asText());
        assertTrue(r.get("configsFrom").asText().contains("beside it"), "sd-tiny's configs sit beside the file: " + r.get("configsFrom"));
        assertSdTinyArchitecture(r.get("architecture"));

        Map<Component, Long> fromFolder = folderParameters();
        assertEquals(fromFolder, ldmParameters(SafetensorsFile.open(sdTinyLdm())), "the fixture's two layouts hold the same weights");
        long total = 0;
        for (Component c : Component.values()) {
            JsonNode entry = component(r, c.folder());
            assertEquals(fromFolder.get(c), entry.get("parameters").asLong(), c.folder());
            assertEquals("{\"F16\":" + entry.get("tensors").asInt() + "}", entry.get("dtypes").toString(), c.folder());
            total += fromFolder.get(c);
        }
        assertEquals(total, r.get("totalParameters").asLong());
        assertEquals(Files.size(sdTinyLdm()), r.get("totalBytes").asLong());
        assertEquals(0, r.get("ignoredCount").asInt());
        assertEquals(0, r.get("unknown").size());
        assertEquals(0, r.get("problems").size());

        CliRun text = CliRun.of("inspect", sdTinyLdm().toString());
        assertEquals(0, text.exitCode(), text::toString);
        assertTrue(text.out().contains("layout: LDM single file"), text.out());
        assertTrue(text.out().contains("architecture: SD 1.x"), text.out());
        for (Component c : Component.values())
            assertTrue(text.out().contains(String.format(Locale.ROOT, "%,d params, F16", fromFolder.get(c))), c + " line in\n" + text.out());
    }

    @Test
    void diffusersFolder() throws IOException {
        JsonNode r = inspectJson(sdTiny().toString());
        assertEquals("diffusers folder", r.get("layout").asText());
        assertSdTinyArchitecture(r.get("architecture"));
        Map<Component, Long> expected = folderParameters();
        long bytes = 0;
        for (Component c : Component.values()) {
            JsonNode entry = component(r, c.folder());
            assertEquals(expected.get(c), entry.get("parameters").asLong(), c.folder());
            assertEquals("{\"F32\":" + entry.get("tensors").asInt() + "}", entry.get("dtypes").toString(), c.folder());
            bytes += Files.size(sdTiny().resolve(c.folder()).resolve(c.weightsFile()));
        }
        assertEquals(3, r.get("files").size());
        assertEquals(bytes, r.get("totalBytes").asLong());
        assertEquals("pt", r.get("files").get(0).get("metadata").get("format").asText());
        assertEquals(0, r.get("unknown").size());
        assertEquals(0, r.get("problems").size());
    }

    @Test
    void knownExtrasAreCountedApartAndUnknownKeysListed() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>(SafetensorsFile.open(sdTinyLdm()).tensors());
        tensors.put("model_ema.decay", Tensor.zeros());
        tensors.put("model_ema.diffusion_modelout2weight", Tensor.zeros(4, 32, 3, 3));
        tensors.put("betas", Tensor.zeros(1000));
        tensors.put("alphas_cumprod", Tensor.zeros(1000));
        tensors.put("cond_stage_model.transformer.text_model.embeddings.position_ids", Tensor.ofLongs(new long[77], 1, 77));
        tensors.put("lora_unet_down_blocks_0.alpha", Tensor.zeros(1));
        Path file = dir.resolve("with-extras.safetensors");
        Safetensors.write(file, tensors, Map.of("format", "pt", "note", "made by a test"), null);

        JsonNode r = inspectJson(file.toString());
        assertEquals("inferred from the tensor shapes", r.get("configsFrom").asText(), "no configs beside a file in a temp folder");
        assertEquals("SD 1.x", r.get("architecture").get("family").asText());
        assertEquals(5, r.get("ignoredCount").asInt());
        assertEquals(3, r.get("ignored").size(), "grouped by reason: EMA, schedule buffers, position_ids: " + r.get("ignored"));
        assertEquals("[\"lora_unet_down_blocks_0.alpha\"]", r.get("unknown").toString());
        Map<Component, Long> expected = folderParameters();
        for (Component c : Component.values())
            assertEquals(expected.get(c), component(r, c.folder()).get("parameters").asLong(), "extras are not counted into " + c);
        assertEquals("made by a test", r.get("files").get(0).get("metadata").get("note").asText());

        CliRun text = CliRun.of("inspect", file.toString());
        assertTrue(text.out().contains("ignored keys: 5"), text.out());
        assertTrue(text.out().contains("model_ema.decay"), text.out());
        assertTrue(text.out().contains("UNKNOWN keys (neither mapped nor known extras; loaders skip them): 1"), text.out());
        assertTrue(text.out().contains("  lora_unet_down_blocks_0.alpha"), text.out());
        assertTrue(text.out().contains("format=pt") && text.out().contains("note=made by a test"), text.out());
    }

    /**
     * The header of a full-size SD 1.5 single file (sd15-keys) over a sparse data area: 2 GB that do not exist on disk.
     * Inspect must read only the header to report it, and recognise standard SD 1.x.
     */
    @Test
    void fullSizeSd15HeaderOnly() throws IOException {
        JsonNode ldmKeys = JSON.readTree(Parity.resource("sd15-keys/ldm-single-file.json").toFile());
        Path file = writeHeaderOnly(dir.resolve("sd15.safetensors"), ldmKeys);

        JsonNode r = inspectJson(file.toString());
        JsonNode a = r.get("architecture");
        assertEquals("SD 1.x", a.get("family").asText());
        assertEquals("SD 1.x", a.get("label").asText());
        assertTrue(a.get("standardSize").asBoolean());
        assertEquals("[320,640,1280,1280]", a.get("unet").get("blockOutChannels").toString());
        assertEquals(768, a.get("unet").get("crossAttentionDim").asInt());
        assertEquals(12, a.get("textEncoder").get("layers").asInt());
        for (Component c : Component.values()) {
            long expected = 0;
            for (JsonNode t : JSON.readTree(Parity.resource("sd15-keys/diffusers-" + c.folder() + ".json").toFile()))
                expected += numel(t.get("shape"));
            JsonNode entry = component(r, c.folder());
            assertEquals(expected, entry.get("parameters").asLong(), c.folder());
            assertEquals("F16", entry.get("dtypes").fieldNames().next());
        }
        assertEquals(859_520_964L, component(r, "unet").get("parameters").asLong(), "SD 1.5's UNet, as sd15-keys/README.md states");
    }

    @Test
    void sd2ShapedCheckpointWithAVPredictionScheduler() throws IOException {
        LdmConfigs configs = tinyConfigs();
        LdmKeyMapping mapping = LdmKeyMapping.of(configs);
        Map<Component, Map<String, Tensor>> parts = new EnumMap<>(Component.class);
        for (Component c : Component.values()) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            for (LdmKey k : mapping.keys(c)) m.put(k.diffusersName(), Tensor.zeros(k.diffusersShape()));
            parts.put(c, m);
        }
        LdmCheckpoint.Components components = new LdmCheckpoint.Components(parts.get(Component.UNET), parts.get(Component.VAE),
                parts.get(Component.TEXT_ENCODER), configs, mapping.textLayout(), List.of(), List.of());
        Path file = dir.resolve("tiny-v.safetensors");
        LdmCheckpoint.writeLdm(file, components, null);
        Files.createDirectories(dir.resolve("scheduler"));
        Files.writeString(dir.resolve("scheduler/scheduler_config.json"),
                "{\"_class_name\": \"DDIMScheduler\", \"prediction_type\": \"v_prediction\"}");

        JsonNode a = inspectJson(file.toString()).get("architecture");
        assertEquals("SD 2.x", a.get("family").asText());
        assertEquals("OpenCLIP", a.get("textEncoder").get("kind").asText());
        assertEquals("v_prediction", a.get("predictionType").asText());
        assertTrue(a.get("label").asText().startsWith("SD 2.x, v-prediction"), a.get("label").asText());
    }

    @Test
    void missingPathIsBadInputNamingIt() {
        Path missing = dir.resolve("no-such-model.safetensors");
        CliRun run = CliRun.of("inspect", missing.toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains(missing.toString()), run.err());
    }

    @Test
    void brokenCkptIsBadInputNamingIt() throws IOException {
        Path ckpt = Files.writeString(dir.resolve("model.ckpt"), "not really a pickle");
        CliRun run = CliRun.of("inspect", ckpt.toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertTrue(run.err().contains("not a PyTorch zip checkpoint") && run.err().contains(ckpt.toString()), run.err());
    }

    /** An SD 2.x-shaped model (OpenCLIP text tower, gelu, linear proj_in) of tiny widths. */
    static LdmConfigs tinyConfigs() {
        Map<String, Object> unet = new LinkedHashMap<>();
        unet.put("block_out_channels", List.of(8, 16));
        unet.put("layers_per_block", 1);
        unet.put("down_block_types", List.of("CrossAttnDownBlock2D", "DownBlock2D"));
        unet.put("up_block_types", List.of("UpBlock2D", "CrossAttnUpBlock2D"));
        unet.put("cross_attention_dim", 8);
        unet.put("use_linear_projection", true);
        Map<String, Object> vae = new LinkedHashMap<>();
        vae.put("block_out_channels", List.of(4, 8));
        vae.put("layers_per_block", 1);
        vae.put("latent_channels", 4);
        Map<String, Object> text = new LinkedHashMap<>();
        text.put("vocab_size", 10);
        text.put("hidden_size", 8);
        text.put("intermediate_size", 16);
        text.put("num_hidden_layers", 2);
        text.put("max_position_embeddings", 5);
        text.put("hidden_act", "gelu");
        return LdmConfigs.of("tiny SD 2.x", unet, vae, text);
    }

    /** A valid safetensors header for {@code keys} (name → dtype, shape) with a sparse, all-zero data area. */
    private static Path writeHeaderOnly(Path file, JsonNode keys) throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (var e : keys.properties()) {
            long bytes = numel(e.getValue().get("shape")) * 2; // F16
            if (header.length() > 1) header.append(',');
            header.append(JSON.writeValueAsString(e.getKey())).append(":{\"dtype\":\"F16\",\"shape\":")
                    .append(e.getValue().get("shape")).append(",\"data_offsets\":[").append(offset).append(',')
                    .append(offset + bytes).append("]}");
            offset += bytes;
        }
        byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            f.write(json);
            f.setLength(8 + json.length + offset);
        }
        return file;
    }

    private static long numel(JsonNode shape) {
        long n = 1;
        for (JsonNode d : shape) n *= d.asLong();
        return n;
    }
}
