package zest.kernels.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class KernelLayoutTest {

    @Test
    void contiguousOperandsMergeIntoOneDim() {
        KernelLayout l = KernelLayout.of(new int[] {2, 3, 4}, new int[] {12, 4, 1}, new int[] {12, 4, 1});
        assertEquals(1, l.rank());
        assertEquals(24, l.shape()[0]);
        assertEquals(1, l.stridesA()[0]);
    }

    @Test
    void aBroadcastOperandKeepsItsZeroStrideDim() {
        // a [2, 3] contiguous, b a row [3] expanded over 2 rows
        KernelLayout l = KernelLayout.of(new int[] {2, 3}, new int[] {3, 1}, new int[] {0, 1});
        assertEquals(2, l.rank());
        assertArrayEquals(new int[] {2, 3}, java.util.Arrays.copyOf(l.shape(), 2));
        assertArrayEquals(new int[] {3, 1}, java.util.Arrays.copyOf(l.stridesA(), 2));
        assertArrayEquals(new int[] {0, 1}, java.util.Arrays.copyOf(l.stridesB(), 2));
    }

    @Test
    void sizeOneDimsAreDroppedAndTheStructIsPackedInCOrder() {
        KernelLayout l = KernelLayout.of(new int[] {1, 5, 1}, new int[] {99, 2, 7}, null);
        int[] p = l.packed();
        assertEquals(1 + 3 * KernelLayout.MAX_RANK, p.length);
        assertEquals(KernelLayout.BYTES, p.length * 4);
        assertEquals(1, p[0]);
        assertEquals(5, p[1]);
        assertEquals(2, p[1 + KernelLayout.MAX_RANK]);
        assertEquals(0, p[1 + 2 * KernelLayout.MAX_RANK]);
    }

    @Test
    void moreThanEightUnmergeableDimsAreRefused() {
        int[] shape = {2, 2, 2, 2, 2, 2, 2, 2, 2};
        int[] strides = {1, 2, 4, 8, 16, 32, 64, 128, 256}; // reversed order: nothing merges
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelLayout.of(shape, strides, null));
        assertEquals(true, e.getMessage().contains("at most 8"));
    }
}
