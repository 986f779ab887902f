package zest.convert.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static zest.convert.ckpt.CkptFixtures.floats;
import static zest.convert.ckpt.CkptFixtures.resource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import zest.engine.DType;
import zest.engine.Storage;
import zest.engine.Tensor;

/** Reading whole checkpoint files: the torch-written fixtures and hand-built zips for each way a file can be wrong. */
class CkptFileTest {
    @TempDir Path dir;

    /** {'state_dict': {'w': 2x2 F32 over storage '0'}, 'global_step': 5}. */
    static byte[] smallPickle() {
        return PickleBytes.proto(2).op('}', '(').str("state_dict").op('}', '(').str("w")
                .tensor("FloatStorage", "0", 4, 0, new long[] {2, 2}, new long[] {2, 1})
                .op('u').str("global_step").integer(5).op('u').stop();
    }

    static final byte[] SMALL_STORAGE = floats(1, 2, 3, 4);

    @Test
    void viewsHonourStorageOffsetShapeAndStride() {
        CkptFile f = CkptFile.open(resource("views.ckpt"));
        assertEquals(List.of("a", "b", "c"), List.copyOf(f.tensors().keySet()));
        assertEquals(List.of(), f.ignoredEntries());
        assertEquals("views", f.archiveName());
        assertEquals("3", f.formatVersion());
        Tensor a = f.tensors().get("a"), b = f.tensors().get("b"), c = f.tensors().get("c");
        assertArrayEquals(new int[] {3, 4}, a.shape());
        assertArrayEquals(new int[] {4, 3}, b.shape());
        assertArrayEquals(new int[] {12}, c.shape());
        assertArrayEquals(range(0, 12, 1), a.toFloatArray());
        assertArrayEquals(range(12, 24, 1), b.toFloatArray());
        assertArrayEquals(range(0, 24, 2), c.toFloatArray());
        for (Tensor t : List.of(a, b, c)) {
            assertEquals(DType.F32, t.dtype());
            // zero-copy: a slice of the file mapping
            assertTrue(assertInstanceOf(Storage.Segment.class, t.storage()).segment().isMapped());
        }
        assertArrayEquals(new int[] {2}, c.strides());
    }

    @ParameterizedTest
    @CsvSource({"os_system.ckpt, os.system, 'posix system'", "subprocess.ckpt, subprocess.call, 'commands call'",
            "builtins_exec.ckpt, builtins.exec, '__builtin__ exec'", "builtins_eval.ckpt, builtins.eval, '__builtin__ eval'"})
    void hostilePicklesAreRefusedNamingWhatTheyAskFor(String file, String python, String global) {
        Path p = resource("hostile/" + file);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CkptFile.open(p));
        assertTrue(e.getMessage().startsWith("refusing to load " + p + ": its pickle asks for " + python
                + " (pickle global '" + global + "'), which a tensor checkpoint never needs; nothing was executed"), e.getMessage());
        assertFalse(Files.exists(Path.of("zest-pickle-executed")), "something ran the pickle");
    }

    @Test
    void storedDeflatedZip64AndPaddedArchivesReadAlike() {
        for (TestZip z : List.of(TestZip.checkpoint("m", smallPickle(), SMALL_STORAGE),
                TestZip.checkpoint("m", smallPickle(), SMALL_STORAGE).zip64().localPadding(40),
                new TestZip().addDeflated("m/data.pkl", smallPickle()).addDeflated("m/data/0", SMALL_STORAGE))) {
            CkptFile f = CkptFile.open(z.write(dir.resolve("m.ckpt")));
            assertEquals(List.of("w"), List.copyOf(f.tensors().keySet()));
            assertArrayEquals(new float[] {1, 2, 3, 4}, f.tensors().get("w").toFloatArray());
            assertEquals(List.of("global_step: int 5"), f.ignoredEntries());
        }
    }

    @Test
    void aTopLevelStateDictAndNonTensorValues() {
        byte[] pkl = PickleBytes.proto(2).op('}', '(').str("w")
                .tensor("FloatStorage", "0", 4, 1, new long[] {3}, new long[] {1})
                .str("epoch").integer(6).str("nested").op('}').integer(1).str("x").op('s')
                .integer(7).tensor("FloatStorage", "0", 4, 0, new long[] {1}, new long[] {1}).op('u').stop();
        CkptFile f = CkptFile.open(TestZip.checkpoint("m", pkl, SMALL_STORAGE).write(dir.resolve("m.ckpt")));
        assertEquals(List.of("w"), List.copyOf(f.tensors().keySet()));
        assertArrayEquals(new float[] {2, 3, 4}, f.tensors().get("w").toFloatArray());
        assertEquals(List.of("epoch: int 6", "nested: dict of 1 item", "[int 7]: F32 tensor [1]"), f.ignoredEntries());
    }

    @Test
    void truncatedFilesAreCleanErrors() throws IOException {
        byte[] whole = CkptFixtures.bytes(resource("views.ckpt"));
        for (int n : new int[] {0, 3, 4, 100, whole.length / 3, whole.length - 23, whole.length - 1}) {
            Path p = Files.write(dir.resolve("cut.ckpt"), Arrays.copyOf(whole, n));
            CheckpointException e = assertThrows(CheckpointException.class, () -> CkptFile.open(p), "cut at " + n);
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        }
        Path third = Files.write(dir.resolve("third.ckpt"), Arrays.copyOf(whole, whole.length / 3));
        assertTrue(assertThrows(CheckpointException.class, () -> CkptFile.open(third)).getMessage()
                .contains("not a complete zip archive (no end-of-central-directory record): the file is truncated or damaged"));
    }

    @Test
    void damagedPickleFailsItsCrc() {
        byte[] zip = TestZip.checkpoint("m", smallPickle(), SMALL_STORAGE).bytes();
        zip[30 + "m/data.pkl".length() + 5] ^= 1;
        assertError(zip, "zip entry m/data.pkl fails its CRC-32 check");
    }

    @Test
    void notATorchZipCheckpoint() throws IOException {
        assertError(new byte[] {(byte) 0x80, 2, 'K', 1, '.'}, "a legacy torch.save file (PyTorch before 1.6");
        byte[] st = new byte[10];
        st[0] = 2;
        st[8] = '{';
        st[9] = '}';
        assertError(st, "this is a safetensors file, not a PyTorch .ckpt");
        assertError("hello".getBytes(StandardCharsets.US_ASCII), "not a PyTorch zip checkpoint");
        assertError(new TestZip().add("a/b.txt", new byte[1]).bytes(), "a zip file without <archive>/data.pkl");
        assertError(new TestZip().add("m/constants.pkl", new byte[1]).add("m/code/m.py", new byte[1]).bytes(), "a TorchScript archive");
        assertError(new TestZip().add("a/data.pkl", smallPickle()).add("b/data.pkl", smallPickle()).bytes(), "holds 2 checkpoints");
        assertError(new TestZip().add("m/data.pkl", smallPickle()).add("m/byteorder", "big".getBytes(StandardCharsets.US_ASCII)).bytes(),
                "saved on a big-endian machine");
        assertError(TestZip.checkpoint("m", PickleBytes.proto(2).op(']').stop()).bytes(), "holds a list of 0 items, not a dict of tensors");
    }

    @Test
    void storagesMustMatchTheirEntries() {
        assertError(TestZip.checkpoint("m", smallPickle()).bytes(), "refers to storage '0' but the zip has no m/data/0 (file incomplete?)");
        assertError(TestZip.checkpoint("m", smallPickle(), floats(1, 2, 3)).bytes(),
                "m/data/0 holds 12 bytes, but the pickle says it is torch.FloatStorage of 4 elements");
        byte[] outOfBounds = PickleBytes.proto(2).op('}').str("w").tensor("FloatStorage", "0", 4, 2, new long[] {3}, new long[] {1})
                .op('s').stop();
        assertError(TestZip.checkpoint("m", outOfBounds, SMALL_STORAGE).bytes(), "reaches element 4 of torch.FloatStorage '0' of 4 elements");
        byte[] negativeStride = PickleBytes.proto(2).op('}').str("w").global("torch._utils", "_rebuild_tensor_v2").op('(')
                .storage("FloatStorage", "0", 4).integer(3).ints(2).op('(').op('J').u32(-1).op('t', 0x89)
                .global("collections", "OrderedDict").op(')', 'R', 't', 'R', 's').stop();
        assertError(TestZip.checkpoint("m", negativeStride, SMALL_STORAGE).bytes(), "stride holds int -1, not an int in 0..");
        byte[] twoTypes = PickleBytes.proto(2).op('}').str("a").tensor("FloatStorage", "0", 4, 0, new long[] {4}, new long[] {1})
                .op('s').str("b").tensor("HalfStorage", "0", 8, 0, new long[] {8}, new long[] {1}).op('s').stop();
        assertError(TestZip.checkpoint("m", twoTypes, SMALL_STORAGE).bytes(), "storage '0' is named both as torch.FloatStorage");
        byte[] badPid = PickleBytes.proto(2).op('}').str("w").str("not a pid").op('Q', 's').stop();
        assertError(TestZip.checkpoint("m", badPid).bytes(), "a persistent id str 'not a pid' that is not a ('storage', type, key, location, numel) record");
    }

    @Test
    void sharedStoragesShareTheirBytes() {
        byte[] pkl = PickleBytes.proto(2).op('}', '(').str("x").tensor("FloatStorage", "0", 4, 0, new long[] {2}, new long[] {1})
                .str("y").tensor("FloatStorage", "0", 4, 2, new long[] {2}, new long[] {1}).op('u').stop();
        Map<String, Tensor> t = CkptFile.open(TestZip.checkpoint("m", pkl, SMALL_STORAGE).write(dir.resolve("m.ckpt"))).tensors();
        assertArrayEquals(new float[] {1, 2}, t.get("x").toFloatArray());
        assertArrayEquals(new float[] {3, 4}, t.get("y").toFloatArray());
    }

    private void assertError(byte[] file, String expected) {
        Path p = dir.resolve("bad.ckpt");
        try {
            Files.write(p, file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> CkptFile.open(p));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    }

    private static float[] range(int from, int to, int step) {
        float[] out = new float[(to - from + step - 1) / step];
        for (int i = 0; i < out.length; i++) out[i] = from + i * step;
        return out;
    }
}
