package zest.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Products and convolutions that read a 16-bit weight while packing must give the same bits as the float kernels
 * given its widened copy: the packed blocks hold the same floats and the sums run in the same order.
 */
class HalfWeightGemmTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** n random weights stored as F16 (or BF16), with room for an offset. */
    private static HalfArray randomHalf(int n, boolean bfloat16, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        MemorySegment seg = Arena.ofAuto().allocate(2L * n);
        for (int i = 0; i < n; i++) {
            float v = (float) r.nextGaussian();
            short bits = bfloat16 ? (short) (Float.floatToRawIntBits(v) >>> 16) : Float.floatToFloat16(v);
            seg.setAtIndex(SHORT, i, bits);
        }
        return new HalfArray(seg, bfloat16);
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** x·Wᵀ (linear forward) and g·W (its input gradient) over small, edge and multi-block shapes. */
    @Test
    void linearProductsEqualTheWidenedCopyBitForBit() {
        int[][] shapes = {{1, 7, 5}, {2, 33, 17}, {3, 40, 64}, {64, 320, 320}, {77, 640, 768}, {200, 1100, 1300}, {4096, 40, 2}};
        long seed = 1;
        for (int[] s : shapes) {
            for (boolean bf16 : new boolean[] {false, true}) {
                int m = s[0], n = s[1], k = s[2], off = 3;
                HalfArray w = randomHalf(off + n * k, bf16, seed++);
                float[] wide = w.toFloats();
                float[] x = random(m * k, seed++), g = random(m * n, seed++);
                for (float beta : new float[] {0f, 1f}) {
                    float[] expected = random(m * n, seed), actual = expected.clone();
                    Sgemm.sgemm(false, true, m, n, k, 1f, x, 0, k, wide, off, k, beta, expected, 0, n);
                    Sgemm.sgemm(false, true, m, n, k, 1f, x, 0, k, w, off, k, beta, actual, 0, n);
                    assertArrayEquals(expected, actual, "x·Wᵀ " + m + "×" + n + "×" + k + (bf16 ? " bf16" : " f16"));
                }
                float[] expected = new float[m * k], actual = new float[m * k];
                Sgemm.sgemm(false, false, m, k, n, 1f, g, 0, n, wide, off, k, 0f, expected, 0, k);
                Sgemm.sgemm(false, false, m, k, n, 1f, g, 0, n, w, off, k, 0f, actual, 0, k);
                assertArrayEquals(expected, actual, "g·W " + m + "×" + k + "×" + n + (bf16 ? " bf16" : " f16"));
            }
        }
    }

    @Test
    void convolutionForwardEqualsTheWidenedFilterBitForBit() {
        // {n, c, h, w, oc, k, stride, pad}: 3×3, strided, pointwise, and a patch longer than one KC slice
        int[][] cases = {{1, 4, 9, 7, 5, 3, 1, 1}, {2, 16, 12, 12, 24, 3, 2, 1}, {1, 40, 8, 8, 72, 1, 1, 0}, {1, 130, 10, 10, 33, 3, 1, 1}};
        long seed = 100;
        for (int[] p : cases) {
            int n = p[0], c = p[1], h = p[2], w = p[3], oc = p[4], k = p[5], s = p[6], pad = p[7];
            HalfArray filter = randomHalf(oc * c * k * k, false, seed++);
            float[] x = random(n * c * h * w, seed++), bias = random(oc, seed++);
            float[] expected = Conv2dKernels.forward(x, n, c, h, w, filter.toFloats(), oc, k, k, bias, s, s, pad, pad);
            float[] actual = Conv2dKernels.forward(x, n, c, h, w, filter, oc, k, k, bias, s, s, pad, pad);
            assertArrayEquals(expected, actual, "conv " + java.util.Arrays.toString(p));
        }
    }

    @Test
    void convolutionInputGradientEqualsTheWidenedFilterBitForBit() {
        // {n, c, h, w, oc, k, stride, pad}: 3×3 (rotated filter read from 16 bits), pointwise, strided (widened copy),
        // and filters whose rotated patch (oc·k·k) spans more than one KC slice
        int[][] cases = {{1, 4, 9, 7, 5, 3, 1, 1}, {2, 16, 12, 12, 24, 3, 2, 1}, {1, 40, 8, 8, 72, 1, 1, 0},
                {1, 33, 10, 10, 130, 3, 1, 1}, {2, 20, 6, 5, 300, 3, 1, 0}};
        long seed = 200;
        for (int[] p : cases) {
            int n = p[0], c = p[1], h = p[2], w = p[3], oc = p[4], k = p[5], s = p[6], pad = p[7];
            int oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1;
            HalfArray filter = randomHalf(oc * c * k * k, false, seed++);
            float[] g = random(n * oc * oh * ow, seed++);
            float[] expected = Conv2dKernels.backwardInput(g, n, c, h, w, filter.toFloats(), oc, k, k, s, s, pad, pad);
            float[] actual = Conv2dKernels.backwardInput(g, n, c, h, w, filter, oc, k, k, s, s, pad, pad);
            assertArrayEquals(expected, actual, "conv input gradient " + java.util.Arrays.toString(p));
        }
    }
}
