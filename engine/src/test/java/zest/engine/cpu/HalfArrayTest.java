package zest.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vectorised widening must give exactly the scalar conversion's bits, for every 16-bit pattern. */
class HalfArrayTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** All 65,536 bit patterns, little-endian. */
    private static MemorySegment everyPattern() {
        MemorySegment seg = Arena.ofAuto().allocate(2 * 65536);
        for (int i = 0; i < 65536; i++) seg.setAtIndex(SHORT, i, (short) i);
        return seg;
    }

    @Test
    void halfWidensEveryPatternAsFloat16ToFloat() {
        HalfArray a = new HalfArray(everyPattern(), false);
        float[] wide = a.toFloats();
        for (int i = 0; i < 65536; i++) {
            float expected = Float.float16ToFloat((short) i);
            if (Float.isNaN(expected)) {
                // NaN payloads may be quietened by the scalar intrinsic; a NaN weight stays NaN either way
                assertTrue(Float.isNaN(wide[i]), "pattern " + Integer.toHexString(i));
            } else {
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(wide[i]), "pattern " + Integer.toHexString(i));
            }
        }
    }

    @Test
    void bfloat16WidensEveryPatternToTheUpperHalf() {
        float[] wide = new HalfArray(everyPattern(), true).toFloats();
        for (int i = 0; i < 65536; i++)
            assertEquals(i << 16, Float.floatToRawIntBits(wide[i]), "pattern " + Integer.toHexString(i));
    }

    @Test
    void unalignedRunsAndTailsMatchElementReads() {
        HalfArray a = new HalfArray(everyPattern(), false);
        for (int from : new int[] {0, 1, 7, 15372, 65500}) {
            for (int n : new int[] {0, 1, 5, 6, 17, 33}) {
                float[] dst = new float[n + 3];
                a.widen(from, dst, 3, n);
                for (int i = 0; i < n; i++) {
                    float e = a.get(from + i);
                    assertTrue(Float.floatToRawIntBits(e) == Float.floatToRawIntBits(dst[3 + i]) || Float.isNaN(e) && Float.isNaN(dst[3 + i]),
                            "element " + (from + i));
                }
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> a.widen(65530, new float[10], 0, 7));
        assertThrows(IndexOutOfBoundsException.class, () -> a.widen(0, new float[4], 1, 4));
    }
}
