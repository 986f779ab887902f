package zest.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.cli.CheckCommand;
import zest.convert.Component;
import zest.convert.LdmCheckpoint;
import zest.convert.LdmConfigs;
import zest.convert.TensorSource;
import zest.convert.ckpt.CkptFile;
import zest.diffusion.check.Comparison;
import zest.engine.Storage;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;

/**
 * sd-tiny's LDM weights saved by torch.save as a real .ckpt (the {"state_dict", "global_step", "epoch"} layout of
 * the original SD checkpoints): the same tensors as sd-tiny-ldm.safetensors byte for byte, and the reference cases
 * pass on a model loaded from it.
 */
class CkptSdTinyTest {
    static Path ckpt() { return Parity.resource("ckpt/sd-tiny-ldm.ckpt"); }

    static Path sdTiny() { return Parity.resource("sd-tiny"); }

    @Test
    void tensorsEqualTheSafetensorsFileBitForBit() {
        CkptFile f = CkptFile.open(ckpt());
        SafetensorsFile st = SafetensorsFile.open(sdTiny().resolve("sd-tiny-ldm.safetensors"));
        assertEquals(964, f.tensors().size());
        assertEquals(new TreeSet<>(st.names()), new TreeSet<>(f.tensors().keySet()));
        assertEquals(List.of("global_step: int 470000", "epoch: int 6"), f.ignoredEntries());
        for (String name : st.names()) {
            Tensor want = st.tensor(name), got = f.tensors().get(name);
            assertEquals(want.dtype(), got.dtype(), name);
            assertArrayEquals(want.shape(), got.shape(), name);
            assertArrayEquals(want.strides(), got.strides(), name);
            MemorySegment g = assertInstanceOf(Storage.Segment.class, got.storage()).segment();
            MemorySegment w = ((Storage.Segment) want.storage()).segment();
            assertTrue(g.isMapped(), name + " should be a zero-copy view of the file");
            assertEquals(-1, MemorySegment.mismatch(w, 0, w.byteSize(), g, 0, g.byteSize()), name);
        }
    }

    @Test
    void readsAsTheSameLdmComponents() {
        LdmConfigs configs = LdmConfigs.fromFolder(sdTiny());
        LdmCheckpoint.Components fromCkpt = LdmCheckpoint.read(TensorSource.open(ckpt()), configs);
        LdmCheckpoint.Components fromSt = LdmCheckpoint.read(SafetensorsFile.open(sdTiny().resolve("sd-tiny-ldm.safetensors")), configs);
        assertEquals(List.of(), fromCkpt.unknown());
        for (Component c : Component.values()) {
            Map<String, Tensor> want = fromSt.get(c), got = fromCkpt.get(c);
            assertEquals(want.keySet(), got.keySet(), c.toString());
            for (String name : want.keySet()) assertArrayEquals(want.get(name).toFloatArray(), got.get(name).toFloatArray(), c + ": " + name);
        }
    }

    @Test
    void convertsToTheSameLdmSafetensorsAndToADiffusersFolder(@TempDir Path dir) {
        Path out = dir.resolve("from-ckpt.safetensors");
        CliRun run = CliRun.of("convert", ckpt().toString(), out.toString());
        assertEquals(0, run.exitCode(), run.toString());
        SafetensorsFile want = SafetensorsFile.open(sdTiny().resolve("sd-tiny-ldm.safetensors")), got = SafetensorsFile.open(out);
        assertEquals(new TreeSet<>(want.names()), new TreeSet<>(got.names()));
        for (String name : want.names()) {
            assertEquals(want.info(name).dtype(), got.info(name).dtype(), name);
            assertArrayEquals(want.info(name).shape(), got.info(name).shape(), name);
            assertArrayEquals(want.tensor(name).toFloatArray(), got.tensor(name).toFloatArray(), name);
        }
        Path folder = dir.resolve("from-ckpt");
        CliRun toFolder = CliRun.of("convert", ckpt().toString(), folder.toString(), "--config", sdTiny().toString());
        assertEquals(0, toFolder.exitCode(), toFolder.toString());
        LdmCheckpoint.Components c = LdmCheckpoint.readDiffusersFolder(folder);
        assertEquals(want.size(), c.unet().size() + c.vae().size() + c.textEncoder().size());
    }

    @Test
    void inspectReadsItAsAnLdmSingleFile() {
        CliRun run = CliRun.of("inspect", "--config", sdTiny().toString(), ckpt().toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("LDM single file"), run.out());
        assertTrue(run.out().contains("SD 1.x"), run.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"unet", "clip", "vae"})
    void referenceCasesPassOnTheCkpt(String kind) {
        // the .ckpt has no model_index.json beside it: the configs come from the sd-tiny folder
        List<Comparison> results = CheckCommand.run(ckpt(), sdTiny(), sdTiny().resolve("cases/" + kind + ".safetensors"), null, null);
        assertFalse(results.isEmpty());
        for (Comparison c : results) assertTrue(c.passed(), c.line());
    }
}
