package zest.convert.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static zest.convert.ckpt.CkptFixtures.le;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.engine.DType;
import zest.engine.Storage;
import zest.engine.Tensor;

/**
 * Every storage type a checkpoint may hold: the engine's own dtypes are zero-copy views, the others heap copies in
 * I64 (integers, bools) or F32 (float64). Also {@code _rebuild_parameter} and torch 2.x's UntypedStorage.
 */
class CkptDtypesTest {
    @TempDir Path dir;

    @Test
    void everyStorageTypeReadsWithItsValues() {
        PickleBytes p = PickleBytes.proto(2).op('}', '(');
        p.str("f32").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1});
        p.str("f16").tensor("HalfStorage", "1", 2, 0, new long[] {2}, new long[] {1});
        p.str("bf16").tensor("BFloat16Storage", "2", 2, 0, new long[] {2}, new long[] {1});
        p.str("i64").tensor("LongStorage", "3", 2, 0, new long[] {2}, new long[] {1});
        p.str("i32").tensor("IntStorage", "4", 2, 0, new long[] {2}, new long[] {1});
        p.str("u8").tensor("ByteStorage", "5", 2, 0, new long[] {2}, new long[] {1});
        p.str("i8").tensor("CharStorage", "6", 2, 0, new long[] {2}, new long[] {1});
        p.str("i16").tensor("ShortStorage", "7", 2, 0, new long[] {2}, new long[] {1});
        p.str("bool").tensor("BoolStorage", "8", 3, 0, new long[] {3}, new long[] {1});
        p.str("f64").tensor("DoubleStorage", "9", 2, 1, new long[] {1}, new long[] {1});
        p.str("raw").tensor("UntypedStorage", "10", 3, 0, new long[] {3}, new long[] {1});
        // torch.nn.Parameter: _rebuild_parameter(tensor, requires_grad, OrderedDict())
        p.str("param").global("torch._utils", "_rebuild_parameter").op('(')
                .tensor("FloatStorage", "0", 2, 1, new long[] {1}, new long[] {1})
                .op(0x88).global("collections", "OrderedDict").op(')', 'R', 't', 'R');
        byte[] pkl = p.op('u').stop();
        byte[][] storages = {
            CkptFixtures.floats(1.5f, -2f),
            le(4).putShort(Float.floatToFloat16(1f)).putShort(Float.floatToFloat16(-0.5f)).array(),
            le(4).putShort((short) (Float.floatToIntBits(2f) >>> 16)).putShort((short) (Float.floatToIntBits(0.25f) >>> 16)).array(),
            le(16).putLong(1L << 40).putLong(-3).array(),
            le(8).putInt(7).putInt(-8).array(),
            new byte[] {0, (byte) 255},
            new byte[] {-1, 127},
            le(4).putShort((short) -300).putShort((short) 300).array(),
            new byte[] {0, 1, 2},
            le(16).putDouble(1e300).putDouble(0.1).array(),
            new byte[] {1, 2, 3}};
        Map<String, Tensor> t = CkptFile.open(TestZip.checkpoint("m", pkl, storages).write(dir.resolve("m.ckpt"))).tensors();

        assertZeroCopy(t.get("f32"), DType.F32, 1.5f, -2f);
        assertZeroCopy(t.get("f16"), DType.F16, 1f, -0.5f);
        assertZeroCopy(t.get("bf16"), DType.BF16, 2f, 0.25f);
        assertZeroCopy(t.get("i64"), DType.I64, 1L << 40, -3f);
        assertArrayEquals(new long[] {1L << 40, -3}, t.get("i64").toLongArray());
        assertZeroCopy(t.get("i32"), DType.I32, 7f, -8f);
        assertCopy(t.get("u8"), 0, 255);
        assertCopy(t.get("i8"), -1, 127);
        assertCopy(t.get("i16"), -300, 300);
        assertCopy(t.get("bool"), 0, 1, 1);
        assertCopy(t.get("raw"), 1, 2, 3);
        assertEquals(DType.F32, t.get("f64").dtype());
        assertArrayEquals(new float[] {0.1f}, t.get("f64").toFloatArray()); // the storage offset skipped 1e300
        assertArrayEquals(new float[] {-2f}, t.get("param").toFloatArray());
    }

    @Test
    void convertedStoragesAreConvertedOncePerStorage() {
        PickleBytes p = PickleBytes.proto(2).op('}', '(');
        p.str("a").tensor("ByteStorage", "0", 4, 0, new long[] {2}, new long[] {1});
        p.str("b").tensor("ByteStorage", "0", 4, 2, new long[] {2}, new long[] {1});
        Map<String, Tensor> t = CkptFile.open(TestZip.checkpoint("m", p.op('u').stop(), new byte[] {1, 2, 3, 4})
                .write(dir.resolve("m.ckpt"))).tensors();
        assertSame(t.get("a").storage(), t.get("b").storage());
        assertArrayEquals(new long[] {3, 4}, t.get("b").toLongArray());
    }

    private static void assertZeroCopy(Tensor t, DType dtype, float... want) {
        assertEquals(dtype, t.dtype());
        assertInstanceOf(Storage.Segment.class, t.storage());
        assertArrayEquals(want, t.toFloatArray());
    }

    private static void assertCopy(Tensor t, long... want) {
        assertEquals(DType.I64, t.dtype());
        assertInstanceOf(Storage.Longs.class, t.storage());
        assertArrayEquals(want, t.toLongArray());
    }
}
