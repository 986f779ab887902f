package zest.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static zest.engine.cpu.GemmMicroKernel.NR;

/** Packs B micro-panels from an ordinary row-major matrix, optionally transposed (op(B) = Bᵀ). */
record MatrixBPanels(boolean transposed, float[] b, int off, int ld) implements GemmBPanels {
    private static final VectorSpecies<Float> SPECIES = GemmMicroKernel.SPECIES;

    @Override
    public void pack(int p0, int kc, int j0, int nc, float[] dst, int dstOff) {
        for (int jp = 0; jp < nc; jp += NR, dstOff += kc * NR) {
            int width = Math.min(NR, nc - jp);
            if (transposed) packTransposed(p0, kc, j0 + jp, width, dst, dstOff);
            else packRows(p0, kc, j0 + jp, width, dst, dstOff);
        }
    }

    /** op(B)(p, j) = b[off + p*ld + j]: each panel row is a contiguous run, copied a vector at a time. */
    private void packRows(int p0, int kc, int j, int width, float[] dst, int d) {
        int src = off + p0 * ld + j;
        if (width == NR) {
            for (int p = 0; p < kc; p++, src += ld, d += NR) {
                for (int v = 0; v < NR; v += SPECIES.length()) {
                    FloatVector.fromArray(SPECIES, b, src + v).intoArray(dst, d + v);
                }
            }
        } else {
            for (int p = 0; p < kc; p++, src += ld, d += NR) {
                System.arraycopy(b, src, dst, d, width);
                java.util.Arrays.fill(dst, d + width, d + NR, 0f);
            }
        }
    }

    /**
     * op(B)(p, j) = b[off + j*ld + p]: B's rows become panel columns, moved in square register transposes;
     * the ragged remainder (kc or width not a multiple of the block) goes element by element.
     */
    private void packTransposed(int p0, int kc, int j, int width, float[] dst, int d) {
        Transpose.matrix(b, off + j * ld + p0, ld, width, kc, dst, d, NR);
        for (int p = 0; p < kc; p++) java.util.Arrays.fill(dst, d + p * NR + width, d + (p + 1) * NR, 0f);
    }
}
