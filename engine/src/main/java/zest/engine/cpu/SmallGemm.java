package zest.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct loops for GEMMs too small to repay packing and thread hand-off (and for degenerate shapes such as
 * m == 1). Row by row: C(i,:) = beta·C(i,:) + alpha·Σp A(i,p)·B(p,:), as vector AXPYs when B's rows are
 * contiguous, else as dot products along k.
 */
final class SmallGemm {
    private static final VectorSpecies<Float> SPECIES = GemmMicroKernel.SPECIES;

    private SmallGemm() {}

    static void multiply(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
                         int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        int aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc, aBase = aOff + i * aRow;
            scaleRow(c, cRow, n, beta);
            if (!transB) {
                for (int p = 0; p < k; p++) axpy(alpha * a[aBase + p * aCol], b, bOff + p * ldb, c, cRow, n);
            } else {
                for (int j = 0; j < n; j++) {
                    float dot = aCol == 1 ? dot(a, aBase, b, bOff + j * ldb, k) : stridedDot(a, aBase, aCol, b, bOff + j * ldb, k);
                    c[cRow + j] += alpha * dot;
                }
            }
        }
    }

    /** c = beta·c, where beta == 0 overwrites (NaN in c must not survive). */
    static void scaleRow(float[] c, int off, int n, float beta) {
        if (beta == 1f) return;
        if (beta == 0f) {
            java.util.Arrays.fill(c, off, off + n, 0f);
            return;
        }
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, c, off + j).mul(beta).intoArray(c, off + j);
        }
        for (; j < n; j++) c[off + j] *= beta;
    }

    private static void axpy(float s, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector sv = FloatVector.broadcast(SPECIES, s);
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, xOff + j).fma(sv, FloatVector.fromArray(SPECIES, y, yOff + j))
                    .intoArray(y, yOff + j);
        }
        for (; j < n; j++) y[yOff + j] = Math.fma(s, x[xOff + j], y[yOff + j]); // as the vector lanes
    }

    private static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int p = 0;
        for (int bound = SPECIES.loopBound(n); p < bound; p += SPECIES.length()) {
            acc = FloatVector.fromArray(SPECIES, x, xOff + p).fma(FloatVector.fromArray(SPECIES, y, yOff + p), acc);
        }
        float sum = VectorMath.sum(acc); // lane order: the same bits interpreted or JIT-compiled (resumable training)
        for (; p < n; p++) sum += x[xOff + p] * y[yOff + p];
        return sum;
    }

    private static float stridedDot(float[] x, int xOff, int xStride, float[] y, int yOff, int n) {
        float sum = 0f;
        for (int p = 0; p < n; p++) sum += x[xOff + p * xStride] * y[yOff + p];
        return sum;
    }
}
