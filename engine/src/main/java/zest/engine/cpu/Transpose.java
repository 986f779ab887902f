package zest.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Square block transposes in vector registers, for packing GEMM operands whose rows must become panel columns
 * (op(B) = Bᵀ, and the im2col of the weight gradient). Each round swaps the off-diagonal sub-blocks of every
 * pair of rows with two-source permutes (one vpermt2ps each on AVX-512), so a 16×16 block costs 64 permutes
 * instead of 256 scalar loads and stores. The round bodies are unrolled by hand (generated) because
 * C2 only keeps vectors in registers when each one is its own local.
 */
public final class Transpose {
    /** Side of the block {@link #block} transposes: the preferred vector length when supported, else 0. */
    private static final int BLOCK = switch (GemmMicroKernel.VL) {
        case 16, 8 -> GemmMicroKernel.VL;
        default -> 0;
    };

    private static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;
    private static final FloatVector LO16_8 = permute(S16, 8, false), HI16_8 = permute(S16, 8, true);
    private static final FloatVector LO16_4 = permute(S16, 4, false), HI16_4 = permute(S16, 4, true);
    private static final FloatVector LO16_2 = permute(S16, 2, false), HI16_2 = permute(S16, 2, true);
    private static final FloatVector LO16_1 = permute(S16, 1, false), HI16_1 = permute(S16, 1, true);
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    private static final FloatVector LO8_4 = permute(S8, 4, false), HI8_4 = permute(S8, 4, true);
    private static final FloatVector LO8_2 = permute(S8, 2, false), HI8_2 = permute(S8, 2, true);
    private static final FloatVector LO8_1 = permute(S8, 1, false), HI8_1 = permute(S8, 1, true);

    private Transpose() {}

    /** dst[j*ldd + i] = src[i*ld + j] for i, j in [0, BLOCK); BLOCK must be nonzero. */
    private static void block(float[] src, int srcOff, int ld, float[] dst, int dstOff, int ldd) {
        if (BLOCK == 16) transpose16(src, srcOff, ld, dst, dstOff, ldd);
        else transpose8(src, srcOff, ld, dst, dstOff, ldd);
    }

    /**
     * dst[j*ldd + i] = src[i*ld + j] for i &lt; rows, j &lt; cols: a whole matrix, in vector blocks where they fit and
     * scalar along the ragged edges (a pure copy, so the values are exact).
     */
    public static void matrix(float[] src, int srcOff, int ld, int rows, int cols, float[] dst, int dstOff, int ldd) {
        int blk = BLOCK, fullRows = blk == 0 ? 0 : rows / blk * blk, fullCols = blk == 0 ? 0 : cols / blk * blk;
        for (int i = 0; i < fullRows; i += blk) {
            for (int j = 0; j < fullCols; j += blk) block(src, srcOff + i * ld + j, ld, dst, dstOff + j * ldd + i, ldd);
            scalar(src, srcOff + i * ld + fullCols, ld, blk, cols - fullCols, dst, dstOff + fullCols * ldd + i, ldd);
        }
        scalar(src, srcOff + fullRows * ld, ld, rows - fullRows, cols, dst, dstOff + fullRows, ldd);
    }

    /** Any rows×cols block, scalar: for the ragged edges. */
    private static void scalar(float[] src, int srcOff, int ld, int rows, int cols, float[] dst, int dstOff, int ldd) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) dst[dstOff + j * ldd + i] = src[srcOff + i * ld + j];
        }
    }

    /**
     * Index vector for one round with sub-block size d: lane l of the low result takes lane l of the first row
     * where bit d of l is clear, else lane l−d of the second row (index VL + l − d); the high result is the mirror.
     */
    private static FloatVector permute(VectorSpecies<Float> species, int d, boolean high) {
        int vl = species.length();
        float[] idx = new float[vl];
        for (int l = 0; l < vl; l++) {
            boolean first = (l & d) == 0;
            idx[l] = high ? (first ? l + d : vl + l) : (first ? l : vl + l - d);
        }
        return FloatVector.fromArray(species, idx, 0);
    }

    /** 16×16 transpose for 512-bit vectors: log2(16) = 4 rounds of two-source permutes. */
    private static void transpose16(float[] src, int srcOff, int ld, float[] dst, int dstOff, int ldd) {
        FloatVector r0 = FloatVector.fromArray(S16, src, srcOff + 0 * ld);
        FloatVector r1 = FloatVector.fromArray(S16, src, srcOff + 1 * ld);
        FloatVector r2 = FloatVector.fromArray(S16, src, srcOff + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(S16, src, srcOff + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(S16, src, srcOff + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(S16, src, srcOff + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(S16, src, srcOff + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(S16, src, srcOff + 7 * ld);
        FloatVector r8 = FloatVector.fromArray(S16, src, srcOff + 8 * ld);
        FloatVector r9 = FloatVector.fromArray(S16, src, srcOff + 9 * ld);
        FloatVector r10 = FloatVector.fromArray(S16, src, srcOff + 10 * ld);
        FloatVector r11 = FloatVector.fromArray(S16, src, srcOff + 11 * ld);
        FloatVector r12 = FloatVector.fromArray(S16, src, srcOff + 12 * ld);
        FloatVector r13 = FloatVector.fromArray(S16, src, srcOff + 13 * ld);
        FloatVector r14 = FloatVector.fromArray(S16, src, srcOff + 14 * ld);
        FloatVector r15 = FloatVector.fromArray(S16, src, srcOff + 15 * ld);
        FloatVector a0 = LO16_8.selectFrom(r0, r8), a8 = HI16_8.selectFrom(r0, r8);
        FloatVector a1 = LO16_8.selectFrom(r1, r9), a9 = HI16_8.selectFrom(r1, r9);
        FloatVector a2 = LO16_8.selectFrom(r2, r10), a10 = HI16_8.selectFrom(r2, r10);
        FloatVector a3 = LO16_8.selectFrom(r3, r11), a11 = HI16_8.selectFrom(r3, r11);
        FloatVector a4 = LO16_8.selectFrom(r4, r12), a12 = HI16_8.selectFrom(r4, r12);
        FloatVector a5 = LO16_8.selectFrom(r5, r13), a13 = HI16_8.selectFrom(r5, r13);
        FloatVector a6 = LO16_8.selectFrom(r6, r14), a14 = HI16_8.selectFrom(r6, r14);
        FloatVector a7 = LO16_8.selectFrom(r7, r15), a15 = HI16_8.selectFrom(r7, r15);
        FloatVector b0 = LO16_4.selectFrom(a0, a4), b4 = HI16_4.selectFrom(a0, a4);
        FloatVector b1 = LO16_4.selectFrom(a1, a5), b5 = HI16_4.selectFrom(a1, a5);
        FloatVector b2 = LO16_4.selectFrom(a2, a6), b6 = HI16_4.selectFrom(a2, a6);
        FloatVector b3 = LO16_4.selectFrom(a3, a7), b7 = HI16_4.selectFrom(a3, a7);
        FloatVector b8 = LO16_4.selectFrom(a8, a12), b12 = HI16_4.selectFrom(a8, a12);
        FloatVector b9 = LO16_4.selectFrom(a9, a13), b13 = HI16_4.selectFrom(a9, a13);
        FloatVector b10 = LO16_4.selectFrom(a10, a14), b14 = HI16_4.selectFrom(a10, a14);
        FloatVector b11 = LO16_4.selectFrom(a11, a15), b15 = HI16_4.selectFrom(a11, a15);
        FloatVector c0 = LO16_2.selectFrom(b0, b2), c2 = HI16_2.selectFrom(b0, b2);
        FloatVector c1 = LO16_2.selectFrom(b1, b3), c3 = HI16_2.selectFrom(b1, b3);
        FloatVector c4 = LO16_2.selectFrom(b4, b6), c6 = HI16_2.selectFrom(b4, b6);
        FloatVector c5 = LO16_2.selectFrom(b5, b7), c7 = HI16_2.selectFrom(b5, b7);
        FloatVector c8 = LO16_2.selectFrom(b8, b10), c10 = HI16_2.selectFrom(b8, b10);
        FloatVector c9 = LO16_2.selectFrom(b9, b11), c11 = HI16_2.selectFrom(b9, b11);
        FloatVector c12 = LO16_2.selectFrom(b12, b14), c14 = HI16_2.selectFrom(b12, b14);
        FloatVector c13 = LO16_2.selectFrom(b13, b15), c15 = HI16_2.selectFrom(b13, b15);
        FloatVector d0 = LO16_1.selectFrom(c0, c1), d1 = HI16_1.selectFrom(c0, c1);
        FloatVector d2 = LO16_1.selectFrom(c2, c3), d3 = HI16_1.selectFrom(c2, c3);
        FloatVector d4 = LO16_1.selectFrom(c4, c5), d5 = HI16_1.selectFrom(c4, c5);
        FloatVector d6 = LO16_1.selectFrom(c6, c7), d7 = HI16_1.selectFrom(c6, c7);
        FloatVector d8 = LO16_1.selectFrom(c8, c9), d9 = HI16_1.selectFrom(c8, c9);
        FloatVector d10 = LO16_1.selectFrom(c10, c11), d11 = HI16_1.selectFrom(c10, c11);
        FloatVector d12 = LO16_1.selectFrom(c12, c13), d13 = HI16_1.selectFrom(c12, c13);
        FloatVector d14 = LO16_1.selectFrom(c14, c15), d15 = HI16_1.selectFrom(c14, c15);
        d0.intoArray(dst, dstOff + 0 * ldd);
        d1.intoArray(dst, dstOff + 1 * ldd);
        d2.intoArray(dst, dstOff + 2 * ldd);
        d3.intoArray(dst, dstOff + 3 * ldd);
        d4.intoArray(dst, dstOff + 4 * ldd);
        d5.intoArray(dst, dstOff + 5 * ldd);
        d6.intoArray(dst, dstOff + 6 * ldd);
        d7.intoArray(dst, dstOff + 7 * ldd);
        d8.intoArray(dst, dstOff + 8 * ldd);
        d9.intoArray(dst, dstOff + 9 * ldd);
        d10.intoArray(dst, dstOff + 10 * ldd);
        d11.intoArray(dst, dstOff + 11 * ldd);
        d12.intoArray(dst, dstOff + 12 * ldd);
        d13.intoArray(dst, dstOff + 13 * ldd);
        d14.intoArray(dst, dstOff + 14 * ldd);
        d15.intoArray(dst, dstOff + 15 * ldd);
    }

    /** 8×8 transpose for 256-bit vectors: log2(8) = 3 rounds of two-source permutes. */
    private static void transpose8(float[] src, int srcOff, int ld, float[] dst, int dstOff, int ldd) {
        FloatVector r0 = FloatVector.fromArray(S8, src, srcOff + 0 * ld);
        FloatVector r1 = FloatVector.fromArray(S8, src, srcOff + 1 * ld);
        FloatVector r2 = FloatVector.fromArray(S8, src, srcOff + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(S8, src, srcOff + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(S8, src, srcOff + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(S8, src, srcOff + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(S8, src, srcOff + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(S8, src, srcOff + 7 * ld);
        FloatVector a0 = LO8_4.selectFrom(r0, r4), a4 = HI8_4.selectFrom(r0, r4);
        FloatVector a1 = LO8_4.selectFrom(r1, r5), a5 = HI8_4.selectFrom(r1, r5);
        FloatVector a2 = LO8_4.selectFrom(r2, r6), a6 = HI8_4.selectFrom(r2, r6);
        FloatVector a3 = LO8_4.selectFrom(r3, r7), a7 = HI8_4.selectFrom(r3, r7);
        FloatVector b0 = LO8_2.selectFrom(a0, a2), b2 = HI8_2.selectFrom(a0, a2);
        FloatVector b1 = LO8_2.selectFrom(a1, a3), b3 = HI8_2.selectFrom(a1, a3);
        FloatVector b4 = LO8_2.selectFrom(a4, a6), b6 = HI8_2.selectFrom(a4, a6);
        FloatVector b5 = LO8_2.selectFrom(a5, a7), b7 = HI8_2.selectFrom(a5, a7);
        FloatVector c0 = LO8_1.selectFrom(b0, b1), c1 = HI8_1.selectFrom(b0, b1);
        FloatVector c2 = LO8_1.selectFrom(b2, b3), c3 = HI8_1.selectFrom(b2, b3);
        FloatVector c4 = LO8_1.selectFrom(b4, b5), c5 = HI8_1.selectFrom(b4, b5);
        FloatVector c6 = LO8_1.selectFrom(b6, b7), c7 = HI8_1.selectFrom(b6, b7);
        c0.intoArray(dst, dstOff + 0 * ldd);
        c1.intoArray(dst, dstOff + 1 * ldd);
        c2.intoArray(dst, dstOff + 2 * ldd);
        c3.intoArray(dst, dstOff + 3 * ldd);
        c4.intoArray(dst, dstOff + 4 * ldd);
        c5.intoArray(dst, dstOff + 5 * ldd);
        c6.intoArray(dst, dstOff + 6 * ldd);
        c7.intoArray(dst, dstOff + 7 * ldd);
    }
}
