package zest.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled heart of SGEMM: an MR×NR tile of C held in 2·MR vector accumulators and updated by one
 * outer product per step of k (MR broadcasts of A times two vectors of B). Outer-product form needs no horizontal
 * reductions, so every instruction in the loop is a load, a broadcast or an FMA.
 *
 * <p>With 512-bit vectors (16 floats) the tile is 6×32: 12 accumulators + 2 B vectors + 1 broadcast fit the 32
 * AVX-512 registers with room to spare, and with AVX2 (8 floats, 16 registers) the same code is a 6×16 tile.
 */
final class GemmMicroKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int VL = SPECIES.length();
    /** Rows of C per tile. */
    static final int MR = 6;
    /** Columns of C per tile: two vectors. */
    static final int NR = 2 * VL;

    private GemmMicroKernel() {}

    /**
     * out[0..MR)[0..NR) = A·B over kc steps, plus out's previous contents when accumulate is set. Full tiles with
     * alpha = 1 and beta ∈ {0, 1} write straight into C; everything else goes through a scratch tile and
     * {@link #mergeTile}. The kernel makes no calls and has no branches inside its loop: if C2 fails to inline
     * anything that touches the accumulators it boxes them, and the kernel runs several times slower.
     *
     * @param a A element (r, p) is at {@code a[aOff + r*aRowStride + p*aStepStride]}
     * @param b a packed B micro-panel: element (p, j) at {@code b[bOff + p*NR + j]}
     */
    static void multiply(int kc, float[] a, int aOff, int aRowStride, int aStepStride, float[] b, int bOff,
                         float[] out, int outOff, int ldo, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int r1 = aRowStride, r2 = 2 * aRowStride, r3 = 3 * aRowStride, r4 = 4 * aRowStride, r5 = 5 * aRowStride;
        int ai = aOff, bi = bOff;
        for (int p = 0; p < kc; p++, ai += aStepStride, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + VL);
            FloatVector av = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(SPECIES, a[ai + r1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(SPECIES, a[ai + r2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(SPECIES, a[ai + r3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(SPECIES, a[ai + r4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(SPECIES, a[ai + r5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
        }
        int o0 = outOff, o1 = o0 + ldo, o2 = o1 + ldo, o3 = o2 + ldo, o4 = o3 + ldo, o5 = o4 + ldo;
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(SPECIES, out, o0));
            c01 = c01.add(FloatVector.fromArray(SPECIES, out, o0 + VL));
            c10 = c10.add(FloatVector.fromArray(SPECIES, out, o1));
            c11 = c11.add(FloatVector.fromArray(SPECIES, out, o1 + VL));
            c20 = c20.add(FloatVector.fromArray(SPECIES, out, o2));
            c21 = c21.add(FloatVector.fromArray(SPECIES, out, o2 + VL));
            c30 = c30.add(FloatVector.fromArray(SPECIES, out, o3));
            c31 = c31.add(FloatVector.fromArray(SPECIES, out, o3 + VL));
            c40 = c40.add(FloatVector.fromArray(SPECIES, out, o4));
            c41 = c41.add(FloatVector.fromArray(SPECIES, out, o4 + VL));
            c50 = c50.add(FloatVector.fromArray(SPECIES, out, o5));
            c51 = c51.add(FloatVector.fromArray(SPECIES, out, o5 + VL));
        }
        c00.intoArray(out, o0);
        c01.intoArray(out, o0 + VL);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + VL);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + VL);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + VL);
        c40.intoArray(out, o4);
        c41.intoArray(out, o4 + VL);
        c50.intoArray(out, o5);
        c51.intoArray(out, o5 + VL);
    }

    /**
     * C[0..mr)[0..nr) = alpha·tile + beta·C; beta == 0 never reads C, so NaN or garbage there is ignored. For
     * alpha = 1, beta ∈ {0, 1} this rounds exactly like the direct path of {@link #multiply}.
     */
    static void mergeTile(float[] tile, int mr, int nr, float alpha, float beta, float[] c, int cOff, int ldc) {
        FloatVector alphaV = FloatVector.broadcast(SPECIES, alpha), betaV = FloatVector.broadcast(SPECIES, beta);
        for (int r = 0; r < mr; r++) {
            int t = r * NR, o = cOff + r * ldc, j = 0;
            for (int bound = SPECIES.loopBound(nr); j < bound; j += VL) {
                FloatVector v = FloatVector.fromArray(SPECIES, tile, t + j).mul(alphaV);
                if (beta != 0f) v = FloatVector.fromArray(SPECIES, c, o + j).fma(betaV, v);
                v.intoArray(c, o + j);
            }
            for (; j < nr; j++) { // the same roundings as the vector lanes above
                float v = alpha * tile[t + j];
                c[o + j] = beta == 0f ? v : Math.fma(c[o + j], beta, v);
            }
        }
    }
}
