package zest.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.convert.ArchitectureInference;
import zest.convert.Component;
import zest.convert.LdmCheckpoint;
import zest.convert.LdmConfigs;
import zest.convert.LdmKeyMapping;
import zest.convert.TextEncoderLayout;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;

/**
 * sd-tiny's LDM single file (F16, written by diffusers' conversion script) against its diffusers folder (F32, the same
 * float16-representable values): every mapped tensor must widen to the folder's tensor bit for bit.
 */
class LdmSdTinyTest {
    @TempDir Path dir;

    private static Path sdTiny() {
        try {
            return Path.of(LdmSdTinyTest.class.getResource("/sd-tiny").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SafetensorsFile ldmFile() { return SafetensorsFile.open(sdTiny().resolve("sd-tiny-ldm.safetensors")); }

    private static SafetensorsFile diffusersFile(Component c) {
        return SafetensorsFile.open(sdTiny().resolve(c.folder()).resolve(c.weightsFile()));
    }

    @Test
    void ldmFileReadsAsTheDiffusersFolderBitForBit() {
        LdmCheckpoint.Components c = LdmCheckpoint.read(ldmFile(), LdmConfigs.fromFolder(sdTiny()));
        assertEquals(List.of(), c.ignored());
        assertEquals(List.of(), c.unknown());
        assertEquals(TextEncoderLayout.TRANSFORMERS_CLIP, c.textLayout());
        int compared = 0;
        for (Component comp : Component.values()) {
            Map<String, Tensor> want = diffusersFile(comp).tensors();
            assertEquals(want.keySet(), c.get(comp).keySet(), comp.toString());
            for (var e : want.entrySet()) {
                Tensor got = c.get(comp).get(e.getKey());
                assertEquals(DType.F16, got.dtype(), e.getKey());
                assertEquals(DType.F32, e.getValue().dtype(), e.getKey());
                assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
                assertArrayEquals(bits(e.getValue()), bits(got), comp + ": " + e.getKey());
                compared++;
            }
        }
        assertEquals(ldmFile().size(), compared);
    }

    @Test
    void writingBackAnF16LdmFileGivesTheSameTensors() {
        SafetensorsFile original = ldmFile();
        LdmCheckpoint.Components c = LdmCheckpoint.read(original, LdmConfigs.fromFolder(sdTiny()));
        Path out = dir.resolve("again.safetensors");
        LdmCheckpoint.writeLdm(out, c, DType.F16);
        SafetensorsFile again = SafetensorsFile.open(out);
        assertSameTensors(original, again);

        LdmCheckpoint.Components reread = LdmCheckpoint.read(again, LdmConfigs.fromFolder(sdTiny()));
        for (Component comp : Component.values())
            for (var e : c.get(comp).entrySet())
                assertArrayEquals(bits(e.getValue()), bits(reread.get(comp).get(e.getKey())), comp + ": " + e.getKey());
    }

    @Test
    void diffusersFolderConvertsToTheReferenceLdmFile() {
        Path out = dir.resolve("from-folder.safetensors");
        LdmCheckpoint.writeLdm(out, LdmCheckpoint.readDiffusersFolder(sdTiny()), DType.F16);
        assertSameTensors(ldmFile(), SafetensorsFile.open(out));
    }

    @Test
    void inferredConfigsDifferOnlyInWhatShapesCannotTell() {
        LdmConfigs real = LdmConfigs.fromFolder(sdTiny());
        LdmConfigs inferred = ArchitectureInference.infer(ldmFile());
        assertEquals(LdmKeyMapping.of(real).keys(), LdmKeyMapping.of(inferred).keys());
        Map<String, Object> notInShapes = Map.of("unet.norm_num_groups", 32, "unet.sample_size", 64,
                "vae.norm_num_groups", 32, "vae.sample_size", 512);
        Map<String, Object> differing = new HashMap<>();
        for (Component comp : Component.values()) {
            Map<String, Object> want = real.asMap(comp);
            inferred.asMap(comp).forEach((k, v) -> {
                Object w = want.get(k);
                boolean same = w instanceof Number a && v instanceof Number b ? a.doubleValue() == b.doubleValue() : java.util.Objects.equals(w, v);
                if (!same) differing.put(comp + "." + k, v);
            });
        }
        assertEquals(notInShapes, differing);
        // without a config folder the file still loads, with the rule-based values
        LdmCheckpoint.Components c = LdmCheckpoint.read(ldmFile());
        assertTrue(c.unet().containsKey("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"));
    }

    private static void assertSameTensors(SafetensorsFile want, SafetensorsFile got) {
        assertEquals(new java.util.TreeSet<>(want.names()), new java.util.TreeSet<>(got.names()));
        for (String name : want.names()) {
            assertEquals(want.info(name).dtype(), got.info(name).dtype(), name);
            assertArrayEquals(want.info(name).shape(), got.info(name).shape(), name);
            assertArrayEquals(bits(want.tensor(name)), bits(got.tensor(name)), name);
        }
    }

    /** The F32-widened values as raw bits, so -0.0 and NaN payloads count too. */
    private static int[] bits(Tensor t) {
        float[] f = t.toFloatArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = Float.floatToRawIntBits(f[i]);
        return out;
    }
}
