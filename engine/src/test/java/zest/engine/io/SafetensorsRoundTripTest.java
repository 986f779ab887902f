package zest.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.engine.DType;
import zest.engine.Storage;
import zest.engine.Tensor;

class SafetensorsRoundTripTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir Path dir;

    static Tensor f16(float... values) {
        MemorySegment s = MemorySegment.ofArray(new short[values.length]);
        for (int i = 0; i < values.length; i++) s.setAtIndex(SHORT, i, Float.floatToFloat16(values[i]));
        return Tensor.ofSegment(s, DType.F16, values.length);
    }

    static Tensor bf16(float... values) {
        MemorySegment s = MemorySegment.ofArray(new short[values.length]);
        for (int i = 0; i < values.length; i++) s.setAtIndex(SHORT, i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
        return Tensor.ofSegment(s, DType.BF16, values.length);
    }

    static Tensor i32(int[] values, int... shape) {
        MemorySegment s = MemorySegment.ofArray(new int[values.length]);
        for (int i = 0; i < values.length; i++) s.setAtIndex(INT, i, values[i]);
        return Tensor.ofSegment(s, DType.I32, shape);
    }

    /** The raw little-endian bytes of a tensor as read from a file (a contiguous segment tensor). */
    static byte[] rawBytes(Tensor t) {
        Storage.Segment s = (Storage.Segment) t.storage();
        return s.segment().toArray(ValueLayout.JAVA_BYTE);
    }

    static int[] rawShorts(Tensor t) {
        MemorySegment s = ((Storage.Segment) t.storage()).segment();
        int[] out = new int[(int) (s.byteSize() / 2)];
        for (int i = 0; i < out.length; i++) out[i] = s.get(SHORT, 2L * i) & 0xffff;
        return out;
    }

    @Test
    void everyDtypeRoundTripsBitExactlyInOrder() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("z.f32", Tensor.of(new float[] {1.5f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE, 3e38f}, 2, 3));
        in.put("a.f16", f16(1f, -2.5f, 65504f, 6.1e-5f, -0f));
        in.put("m.bf16", bf16(1f, -2.5f, 3e38f, 1e-38f));
        in.put("ids.i64", Tensor.ofLongs(new long[] {Long.MIN_VALUE, -1, 0, 49407, Long.MAX_VALUE, 7}, 3, 2));
        in.put("ids.i32", i32(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, 2, 2));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "ünïcödé ✓ \"quoted\" \n newline");
        meta.put("empty", "");
        Path file = dir.resolve("all.safetensors");
        Safetensors.write(file, in, meta, null);

        SafetensorsFile f = SafetensorsFile.open(file);
        assertEquals(List.copyOf(in.keySet()), f.names());
        assertEquals(meta, f.metadata());
        assertEquals(List.copyOf(meta.keySet()), List.copyOf(f.metadata().keySet()));
        for (String name : in.keySet()) {
            Tensor a = in.get(name), b = f.tensor(name);
            assertEquals(a.dtype(), b.dtype(), name);
            assertArrayEquals(a.shape(), b.shape(), name);
            assertEquals(a.dtype(), f.info(name).dtype());
            assertArrayEquals(a.shape(), f.info(name).shape());
        }
        float[] got = f.tensor("z.f32").toFloatArray();
        float[] want = in.get("z.f32").toFloatArray();
        for (int i = 0; i < want.length; i++) assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]));
        assertArrayEquals(rawBytes(in.get("a.f16")), rawBytes(f.tensor("a.f16")));
        assertArrayEquals(rawBytes(in.get("m.bf16")), rawBytes(f.tensor("m.bf16")));
        assertArrayEquals(in.get("ids.i64").toLongArray(), f.tensor("ids.i64").toLongArray());
        assertArrayEquals(in.get("ids.i32").toLongArray(), f.tensor("ids.i32").toLongArray());
        // data is laid out in the given order, back to back
        long at = 0;
        for (String name : in.keySet()) {
            assertEquals(at, f.info(name).begin(), name);
            at = f.info(name).end();
        }
    }

    @Test
    void headerIsPaddedWithSpacesTo8Bytes() throws IOException {
        for (int k = 0; k < 9; k++) { // names of varying length move the padding around
            Path file = dir.resolve("pad" + k + ".safetensors");
            Safetensors.write(file, Map.of("x".repeat(k + 1), Tensor.of(new float[] {1, 2}, 2)), null, null);
            byte[] bytes = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(0, (8 + n) % 8);
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{"));
            String trimmed = header.stripTrailing();
            assertTrue(trimmed.endsWith("}"));
            assertTrue(header.substring(trimmed.length()).chars().allMatch(c -> c == ' '));
            assertTrue(header.length() - trimmed.length() < 8);
            assertEquals(8 + n + 8, bytes.length);
            assertEquals(1f, SafetensorsFile.open(file).tensor("x".repeat(k + 1)).get(0));
        }
    }

    @Test
    void emptyAndZeroDimensionalTensors() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("empty", Tensor.zeros(0));
        in.put("scalar", Tensor.scalar(3.25f));
        in.put("empty3d", Tensor.zeros(2, 0, 3));
        in.put("empty.i64", Tensor.ofLongs(new long[0], 0, 4));
        in.put("after", Tensor.of(new float[] {7, 8}, 2));
        Path file = dir.resolve("edge.safetensors");
        Safetensors.write(file, in, Map.of(), DType.F16);
        SafetensorsFile f = SafetensorsFile.open(file);
        assertTrue(f.metadata().isEmpty());
        assertArrayEquals(new int[0], f.tensor("scalar").shape());
        assertEquals(3.25f, f.tensor("scalar").item());
        assertEquals(DType.F16, f.tensor("scalar").dtype());
        assertArrayEquals(new int[] {0}, f.tensor("empty").shape());
        assertEquals(0, f.tensor("empty").numel());
        assertArrayEquals(new int[] {2, 0, 3}, f.tensor("empty3d").shape());
        assertEquals(DType.I64, f.tensor("empty.i64").dtype());
        assertEquals(f.info("empty").begin(), f.info("empty").end());
        assertArrayEquals(new float[] {7, 8}, f.tensor("after").toFloatArray());
        assertEquals(1, f.info("scalar").numel());
    }

    @Test
    void noTensorsAtAll() {
        Path file = dir.resolve("none.safetensors");
        Safetensors.write(file, Map.of(), Map.of("k", "v"), null);
        SafetensorsFile f = SafetensorsFile.open(file);
        assertEquals(List.of(), f.names());
        assertEquals(Map.of("k", "v"), f.metadata());
        assertTrue(f.tensors().isEmpty());
    }

    @Test
    void storeAsF16RoundsToNearestEven() {
        float[] v = {
                1f + 0x1p-11f,        // halfway between 1 and 1+2^-10: ties to even -> 1
                1f + 3 * 0x1p-11f,    // halfway between 1+2^-10 and 1+2^-9: ties to even -> 1+2^-9
                1f + 0x1p-11f + 0x1p-20f, // just above halfway -> 1+2^-10
                65519.996f, 65520f,   // below / at the overflow threshold
                -0f, Float.NaN, 1e-8f, (float) Math.PI};
        Path file = dir.resolve("f16.safetensors");
        Safetensors.write(file, Map.of("v", Tensor.of(v.clone(), v.length)), null, DType.F16);
        Tensor t = SafetensorsFile.open(file).tensor("v");
        assertEquals(DType.F16, t.dtype());
        int[] bits = rawShorts(t);
        for (int i = 0; i < v.length; i++) assertEquals(Float.floatToFloat16(v[i]) & 0xffff, bits[i], "value " + v[i]);
        float[] back = t.toFloatArray();
        assertEquals(1f, back[0]);
        assertEquals(1f + 0x1p-9f, back[1]);
        assertEquals(1f + 0x1p-10f, back[2]);
        assertEquals(65504f, back[3]);
        assertEquals(Float.POSITIVE_INFINITY, back[4]);
        assertEquals(0x8000, bits[5]);
        assertTrue(Float.isNaN(back[6]));
    }

    @Test
    void storeAsBf16RoundsToNearestEven() {
        float[] v = {
                1f + 0x1p-8f,                 // halfway between 1 and 1+2^-7 -> 1
                1f + 3 * 0x1p-8f,             // halfway between 1+2^-7 and 1+2^-6 -> 1+2^-6
                1f + 0x1p-8f + 0x1p-20f,      // above halfway -> 1+2^-7
                Float.MAX_VALUE,              // rounds up to infinity
                -0f, Float.NaN, -Float.NaN, Float.NEGATIVE_INFINITY, -1.00390625f};
        Path file = dir.resolve("bf16.safetensors");
        Safetensors.write(file, Map.of("v", Tensor.of(v.clone(), v.length)), null, DType.BF16);
        Tensor t = SafetensorsFile.open(file).tensor("v");
        assertEquals(DType.BF16, t.dtype());
        float[] back = t.toFloatArray();
        assertEquals(1f, back[0]);
        assertEquals(1f + 0x1p-6f, back[1]);
        assertEquals(1f + 0x1p-7f, back[2]);
        assertEquals(Float.POSITIVE_INFINITY, back[3]);
        assertEquals(0x8000, rawShorts(t)[4]);
        assertTrue(Float.isNaN(back[5]));
        assertTrue(Float.isNaN(back[6]));
        assertEquals(Float.NEGATIVE_INFINITY, back[7]);
        assertEquals(-1f, back[8]); // -1 - 2^-8 is a tie, even mantissa is -1
        // exhaustive check of the rounding rule against exact arithmetic on a sweep of bit patterns
        for (int bits = 0x3f800000; bits < 0x3f820000; bits += 3) {
            float f = Float.intBitsToFloat(bits);
            float r = Float.intBitsToFloat((Safetensors.toBFloat16(f) & 0xffff) << 16);
            float lo = Float.intBitsToFloat(bits & 0xffff0000), hi = Float.intBitsToFloat((bits & 0xffff0000) + 0x10000);
            double dl = f - (double) lo, dh = hi - (double) f;
            float expect = dl < dh ? lo : dh < dl ? hi : (((bits >>> 16) & 1) == 0 ? lo : hi);
            assertEquals(expect, r, "bits " + Integer.toHexString(bits));
        }
    }

    @Test
    void storeAsConvertsOnlyFloatingTensors() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("h", f16(0.5f, -1.25f));
        in.put("ids", Tensor.ofLongs(new long[] {1, 2, 3}, 3));
        in.put("i32", i32(new int[] {4, 5}, 2));
        Path file = dir.resolve("conv.safetensors");
        Safetensors.write(file, in, null, DType.F32);
        SafetensorsFile f = SafetensorsFile.open(file);
        assertEquals(DType.F32, f.tensor("h").dtype());
        assertArrayEquals(new float[] {0.5f, -1.25f}, f.tensor("h").toFloatArray());
        assertEquals(DType.I64, f.tensor("ids").dtype());
        assertEquals(DType.I32, f.tensor("i32").dtype());
        assertArrayEquals(new long[] {4, 5}, f.tensor("i32").toLongArray());

        Safetensors.write(file, in, null, DType.BF16);
        assertEquals(DType.BF16, SafetensorsFile.open(file).tensor("h").dtype());
        assertEquals(DType.I64, SafetensorsFile.open(file).tensor("ids").dtype());
        assertThrows(SafetensorsException.class, () -> Safetensors.write(dir.resolve("x.safetensors"), in, null, DType.I64));
    }

    @Test
    void viewsAreWrittenInRowMajorOrder() {
        Tensor base = Tensor.arange(12).reshape(3, 4);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("t", base.transpose(0, 1));          // non-contiguous
        in.put("n", base.narrow(0, 1, 2));          // contiguous with an offset
        in.put("e", Tensor.of(new float[] {1, 2}, 2, 1).expand(2, 3)); // stride 0
        Path file = dir.resolve("views.safetensors");
        Safetensors.write(file, in, null, null);
        SafetensorsFile f = SafetensorsFile.open(file);
        for (String name : in.keySet()) {
            assertArrayEquals(in.get(name).shape(), f.tensor(name).shape(), name);
            assertArrayEquals(in.get(name).toFloatArray(), f.tensor(name).toFloatArray(), name);
        }
        // a view of a file-backed (segment) tensor, and one converted to another dtype
        Map<String, Tensor> again = new LinkedHashMap<>();
        again.put("seg", f.tensor("t"));
        again.put("segT", f.tensor("t").transpose(0, 1));
        again.put("segNarrow", f.tensor("n").narrow(1, 1, 2));
        Path file2 = dir.resolve("views2.safetensors");
        Safetensors.write(file2, again, null, null);
        SafetensorsFile g = SafetensorsFile.open(file2);
        assertArrayEquals(f.tensor("t").toFloatArray(), g.tensor("seg").toFloatArray());
        assertArrayEquals(base.toFloatArray(), g.tensor("segT").toFloatArray());
        assertArrayEquals(new float[] {5, 6, 9, 10}, g.tensor("segNarrow").toFloatArray());
        Path file3 = dir.resolve("views3.safetensors");
        Safetensors.write(file3, again, null, DType.F16);
        assertArrayEquals(base.toFloatArray(), SafetensorsFile.open(file3).tensor("segT").toFloatArray());
    }

    @Test
    void fixtureRewrittenReadsBackIdentically() throws Exception {
        SafetensorsFile src = SafetensorsFile.open(SafetensorsFixturesTest.fixture("sd-tiny-vae.safetensors"));
        Path file = dir.resolve("vae-copy.safetensors");
        Safetensors.write(file, src.tensors(), src.metadata(), null);
        SafetensorsFile copy = SafetensorsFile.open(file);
        assertEquals(src.names(), copy.names());
        assertEquals(src.metadata(), copy.metadata());
        for (String name : src.names()) assertArrayEquals(rawBytes(src.tensor(name)), rawBytes(copy.tensor(name)), name);
        // the data area has the same size: nothing lost, nothing added
        assertEquals(Files.size(SafetensorsFixturesTest.fixture("sd-tiny-vae.safetensors")) - 8 - src.headerLength(),
                Files.size(file) - 8 - copy.headerLength());
    }

    @Test
    void overwritingReplacesAtomicallyAndOpenMappingsKeepTheOldData() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, Map.of("w", Tensor.of(new float[] {1, 2, 3}, 3)), null, null);
        SafetensorsFile old = SafetensorsFile.open(file);
        Tensor oldW = old.tensor("w");
        Safetensors.write(file, Map.of("w", Tensor.of(new float[] {4, 5, 6, 7}, 4)), null, null);
        assertArrayEquals(new float[] {1, 2, 3}, oldW.toFloatArray());
        assertArrayEquals(new float[] {4, 5, 6, 7}, SafetensorsFile.open(file).tensor("w").toFloatArray());
        old.close();
        assertEquals(List.of(file), listDir());
    }

    @Test
    void aFailedWriteLeavesNoPartialFileAndKeepsTheOldOne() throws IOException {
        Path file = dir.resolve("keep.safetensors");
        Safetensors.write(file, Map.of("w", Tensor.of(new float[] {1}, 1)), null, null);
        byte[] before = Files.readAllBytes(file);

        // fails during the data phase: an I32-labelled storage holding a value that does not fit 32 bits
        Tensor bad = Tensor.view(new Storage.Longs(new long[] {1L << 40}, DType.I32), new int[] {1}, new int[] {1}, 0);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("big", Tensor.zeros(1000));
        in.put("bad", bad);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.write(file, in, null, null));
        assertTrue(e.getMessage().contains("keep.safetensors") && e.getMessage().contains("'bad'"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), listDir());

        // fails before writing: reserved name; and an unwritable location
        e = assertThrows(SafetensorsException.class,
                () -> Safetensors.write(file, Map.of("__metadata__", Tensor.zeros(1)), null, null));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        Path missingDir = dir.resolve("no/such/dir/x.safetensors");
        e = assertThrows(SafetensorsException.class, () -> Safetensors.write(missingDir, Map.of(), null, null));
        assertInstanceOf(IOException.class, e.getCause());
        assertTrue(e.getMessage().contains("x.safetensors"), e.getMessage());
        assertFalse(Files.exists(missingDir));
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), listDir());
    }

    @Test
    void unknownTensorNamesTheFileAndTheTensor() {
        Path file = dir.resolve("one.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.zeros(1)), null, null);
        SafetensorsFile f = SafetensorsFile.open(file);
        assertFalse(f.contains("b"));
        assertTrue(f.contains("a"));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.tensor("b"));
        assertTrue(e.getMessage().contains("one.safetensors") && e.getMessage().contains("'b'"), e.getMessage());
        assertEquals("b", e.tensor());
        assertEquals(file, e.file());
        assertThrows(SafetensorsException.class, () -> f.info("b"));
        assertNotNull(f.toString());
        assertEquals(file, f.path());
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
