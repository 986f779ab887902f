package zest.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import net.jqwik.api.Example;
import zest.engine.ops.Elementwise;

/** Creation, element access, printing, memory-segment storage (F16/BF16 widening) and error messages. */
class TensorBasicsTest {

    private static String str(Tensor t) { return Arrays.toString(t.toFloatArray()); }

    // ---------------------------------------------------------------- creation

    @Example
    void creation() {
        assertEquals("[0.0, 0.0, 0.0, 0.0, 0.0, 0.0]", str(Tensor.zeros(2, 3)));
        assertArrayEquals(new int[] {2, 3}, Tensor.zeros(2, 3).shape());
        assertEquals("[1.0, 1.0]", str(Tensor.ones(2)));
        assertEquals("[2.5, 2.5, 2.5, 2.5]", str(Tensor.full(2.5f, 2, 1, 2)));
        assertEquals(3, Tensor.full(2.5f, 2, 1, 2).dim());
        assertEquals(4, Tensor.full(2.5f, 2, 1, 2).numel());
        assertEquals("[0.0, 1.0, 2.0, 3.0]", str(Tensor.arange(4)));
        assertEquals("[]", str(Tensor.arange(0)));
        assertEquals("[1.0, 1.5, 2.0, 2.5]", str(Tensor.arange(1, 3, 0.5f)));
        assertEquals("[5.0, 3.0, 1.0]", str(Tensor.arange(5, 0, -2)));
        assertEquals("[]", str(Tensor.arange(3, 1, 1)));
        assertEquals(10, Tensor.arange(0, 1, 0.1f).numel());
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1, 0));
        Tensor s = Tensor.scalar(7);
        assertEquals(0, s.dim());
        assertEquals(1, s.numel());
        assertEquals(7f, s.item());
        assertEquals(7f, s.get());
        assertArrayEquals(new int[] {0, 3}, Tensor.zeros(0, 3).shape());
        assertEquals(0, Tensor.zeros(0, 3).numel());
        assertArrayEquals(new int[] {2, 3}, Tensor.zerosLike(Tensor.ones(2, 3)).shape());
        assertEquals("[1.0, 1.0, 1.0]", str(Tensor.onesLike(Tensor.zeros(3))));
        assertEquals(DType.F32, Tensor.zeros(1).dtype());
    }

    @Example
    void integerTensors() {
        Tensor ids = Tensor.ofLongs(new long[] {3, -1, 1L << 40, 7}, 2, 2);
        assertEquals(DType.I64, ids.dtype());
        assertArrayEquals(new long[] {3, -1, 1L << 40, 7}, ids.toLongArray());
        assertArrayEquals(new long[] {3, 1L << 40, -1, 7}, ids.transpose(0, 1).toLongArray());
        assertEquals(-1f, ids.get(0, 1));
        assertEquals("[3.0, -1.0, 1.0995116E12, 7.0]", str(ids));
        assertEquals(DType.F32, ids.toF32().dtype());
        assertEquals("[4.0, 0.0, 1.0995116E12, 8.0]", str(Elementwise.addScalar(ids, 1)));
    }

    @Example
    void elementAccessAndCopies() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals(6f, x.get(1, 2));
        assertEquals(2f, x.transpose(0, 1).get(1, 0));
        assertEquals(5f, x.narrow(1, 1, 2).get(1, 0));
        float[] shared = x.floats();
        float[] copy = x.toFloatArray();
        assertNotSame(shared, copy);
        copy[0] = 99;
        assertEquals(1f, x.get(0, 0));
        assertEquals("[4.0, 5.0, 6.0]", Arrays.toString(x.select(0, 1).floats()));
        assertEquals("[2.0, 5.0]", Arrays.toString(x.select(1, 1).toFloatArray()));
        assertEquals(5f, x.narrow(0, 1, 1).narrow(1, 1, 1).item());
        assertTrue(x.isContiguous());
        assertTrue(!x.transpose(0, 1).isContiguous());
        assertTrue(x.narrow(0, 1, 1).isContiguous());
        assertTrue(x.unsqueeze(0).isContiguous());
        assertEquals(x.stride(-1), 1);
        assertEquals(x.size(-2), 2);
    }

    @Example
    void viewOverAStorage() {
        Storage st = new Storage.Floats(new float[] {0, 1, 2, 3, 4, 5, 6, 7});
        Tensor t = Tensor.view(st, new int[] {2, 2}, new int[] {1, 3}, 2);
        assertEquals("[2.0, 5.0, 3.0, 6.0]", str(t));
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.view(st, new int[] {3, 2}, new int[] {3, 1}, 2));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.view(st, new int[] {2}, new int[] {1, 1}, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.view(st, new int[] {2}, new int[] {1}, -1));
        assertEquals(0, Tensor.view(st, new int[] {0, 5}, new int[] {5, 1}, 8).numel());
    }

    // ---------------------------------------------------------------- errors

    @Example
    void badShapesAreClearErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("5"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
        assertTrue(e2.getMessage().contains("[2, -1]"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(new long[3], 2, 2));
        assertTrue(e3.getMessage().contains("[2, 2]") && e3.getMessage().contains("3"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1 << 16, 1 << 16));
        assertTrue(e4.getMessage().contains("[65536, 65536]"), e4.getMessage());
        var e5 = assertThrows(IllegalStateException.class, () -> Tensor.zeros(2).item());
        assertTrue(e5.getMessage().contains("[2]"), e5.getMessage());
        var e6 = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).get(1));
        assertTrue(e6.getMessage().contains("rank"), e6.getMessage());
        var e7 = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).size(2));
        assertTrue(e7.getMessage().contains("dim 2"), e7.getMessage());
    }

    // ---------------------------------------------------------------- printing

    @Example
    void toStringOfSmallTensorsIsReadable() {
        assertEquals("Tensor([[1.000, 2.000, 3.000], [4.000, 5.000, 6.000]], shape=[2, 3], dtype=F32)",
                Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).toString());
        assertEquals("Tensor(0.5000, shape=[], dtype=F32)", Tensor.scalar(0.5f).toString());
        assertEquals("Tensor([], shape=[0], dtype=F32)", Tensor.zeros(0).toString());
        assertEquals("Tensor([[1, 2]], shape=[1, 2], dtype=I64)", Tensor.ofLongs(new long[] {1, 2}, 1, 2).toString());
        assertEquals("Tensor([1.000, 3.000], shape=[2], dtype=F32, requiresGrad)",
                Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).transpose(0, 1).select(0, 0).detach().requiresGrad(true).toString());
        String big = Tensor.zeros(100, 100).toString();
        assertTrue(big.contains("shape=[100, 100]") && big.length() < 200, big);
        assertTrue(Tensor.of(new float[] {Float.NaN, Float.NEGATIVE_INFINITY, 1e-6f}, 3).toString().contains("NaN, -Infinity, 1.000e-06"));
    }

    /** Decimal commas (German, French locales) would make "[1,000, 2,000]" ambiguous: printing ignores the locale. */
    @Example
    void toStringDoesNotDependOnTheLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals("Tensor([1.500, 2.000], shape=[2], dtype=F32)", Tensor.of(new float[] {1.5f, 2}, 2).toString());
        } finally {
            Locale.setDefault(saved);
        }
    }

    // ---------------------------------------------------------------- memory segments

    private static MemorySegment shorts(int... bits) {
        MemorySegment seg = Arena.ofAuto().allocate(bits.length * 2L, 2);
        for (int i = 0; i < bits.length; i++) {
            seg.set(ValueLayout.JAVA_BYTE, 2L * i, (byte) bits[i]); // little-endian, written byte by byte
            seg.set(ValueLayout.JAVA_BYTE, 2L * i + 1, (byte) (bits[i] >>> 8));
        }
        return seg;
    }

    private static void assertWidened(Tensor t, float[] expected) {
        for (int i = 0; i < expected.length; i++)
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(t.get(i)), "element " + i + " via get: " + t.get(i));
        float[] bulk = t.toFloatArray();
        for (int i = 0; i < expected.length; i++)
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(bulk[i]), "element " + i + " via toFloatArray: " + bulk[i]);
        for (int start = 0; start < 2; start++) { // strided views over the segment (the gather path)
            int n = (expected.length - start + 1) / 2;
            float[] viaView = Tensor.view(t.storage(), new int[] {n}, new int[] {2}, start).toFloatArray();
            for (int i = 0; i < n; i++)
                assertEquals(Float.floatToIntBits(expected[start + 2 * i]), Float.floatToIntBits(viaView[i]), "element " + (start + 2 * i) + " via a view");
        }
        float[] viaOp = Elementwise.mulScalar(t, 1f).toFloatArray();
        for (int i = 0; i < expected.length; i++)
            assertTrue(Float.compare(expected[i], viaOp[i]) == 0 || (expected[i] == 0 && viaOp[i] == 0), "element " + i + " through an op");
    }

    @Example
    void f16SegmentsWidenExactly() {
        // 1, -2, 65504 (max), 2^-24 (smallest subnormal), 0x03FF (largest subnormal), 2^-14 (smallest normal), +inf, -inf, -0, 1/3
        MemorySegment seg = shorts(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, 0xFC00, 0x8000, 0x3555);
        Tensor t = Tensor.ofSegment(seg, DType.F16, 10);
        assertEquals(DType.F16, t.dtype());
        assertTrue(t.storage() instanceof Storage.Segment);
        float[] expected = {1f, -2f, 65504f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0.33325195f};
        assertWidened(t, expected);
        assertTrue(Float.isNaN(Tensor.ofSegment(shorts(0x7E00), DType.F16, 1).item()));
        assertEquals(DType.F32, t.toF32().dtype());
        assertEquals(Float.POSITIVE_INFINITY, t.toF32().get(6));
    }

    @Example
    void bf16SegmentsWidenExactly() {
        // 1, -2, pi (3.140625), smallest subnormal 2^-133, +inf, -inf, -0, 2^127
        MemorySegment seg = shorts(0x3F80, 0xC000, 0x4049, 0x0001, 0x7F80, 0xFF80, 0x8000, 0x7F00);
        Tensor t = Tensor.ofSegment(seg, DType.BF16, 2, 4);
        float[] expected = {1f, -2f, 3.140625f, 0x1p-133f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0x1p127f};
        assertWidened(Tensor.ofSegment(seg, DType.BF16, 8), expected);
        assertEquals(3.140625f, t.get(0, 2));
        assertTrue(Float.isNaN(Tensor.ofSegment(shorts(0x7FC0), DType.BF16, 1).item()));
    }

    @Example
    void f32AndIntegerSegments() {
        MemorySegment f = Arena.ofAuto().allocate(16, 4);
        ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) f.setAtIndex(le, i, i * 1.5f);
        Tensor t = Tensor.ofSegment(f, DType.F32, 2, 2);
        assertEquals("[0.0, 1.5, 3.0, 4.5]", str(t));
        assertEquals("[0.0, 3.0, 1.5, 4.5]", str(t.transpose(0, 1)));
        assertEquals("[0.0, 3.0, 6.0, 9.0]", str(Elementwise.add(t, t)));
        MemorySegment l = Arena.ofAuto().allocate(16, 8);
        l.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, 49406L);
        l.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 1, -5L);
        assertArrayEquals(new long[] {49406, -5}, Tensor.ofSegment(l, DType.I64, 2).toLongArray());
        MemorySegment n = Arena.ofAuto().allocate(8, 4);
        n.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, 7);
        n.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 1, -3);
        Tensor ints = Tensor.ofSegment(n, DType.I32, 2);
        assertArrayEquals(new long[] {7, -3}, ints.toLongArray());
        assertEquals("[7.0, -3.0]", str(ints));
    }

    @Example
    void segmentShapeErrorsNameShapeAndDtype() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.ofSegment(shorts(1, 2, 3), DType.F16, 2, 2));
        assertTrue(e.getMessage().contains("[2, 2]") && e.getMessage().contains("3") && e.getMessage().contains("F16"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> Tensor.ofSegment(shorts(1, 2, 3), DType.F32, 1));
        assertTrue(e2.getMessage().contains("6 bytes") && e2.getMessage().contains("F32"), e2.getMessage());
    }

    /** A half-precision leaf: its F32 copy must pass the gradient back (toF32 is documented as differentiable). */
    @Example
    void toF32OfAHalfLeafIsDifferentiable() {
        Tensor h = Tensor.ofSegment(shorts(0x3C00, 0xC000), DType.F16, 2).requiresGrad(true);
        Tensor y = h.toF32();
        assertEquals(DType.F32, y.dtype());
        y.mul(3f).sum().backward();
        assertEquals("[3.0, 3.0]", str(h.grad()));
        Tensor h2 = Tensor.ofSegment(shorts(0x3C00, 0xC000), DType.F16, 2).requiresGrad(true);
        h2.mul(h2).sum().backward();
        assertEquals("[2.0, -4.0]", str(h2.grad()));
    }
}
