package zest.engine.cpu;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One randomly filled SGEMM problem with padded storage (offsets, leading dimensions wider than the matrix),
 * checked against a naive double-precision product. Storage outside C's matrix must come back untouched.
 */
final class GemmReference {
    private static final float SENTINEL = -12345.5f;

    final boolean transA, transB;
    final int m, n, k, lda, ldb, ldc, aOff, bOff, cOff;
    final float alpha, beta;
    final float[] a, b, c, c0;

    GemmReference(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta, int offset,
                  int ldPad, long seed) {
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        Random rnd = new Random(seed);
        lda = (transA ? m : k) + ldPad;
        ldb = (transB ? k : n) + ldPad;
        ldc = n + ldPad;
        aOff = offset;
        bOff = 2 * offset + 1;
        cOff = offset / 2;
        a = filled(rnd, aOff + (transA ? k : m) * lda);
        b = filled(rnd, bOff + (transB ? n : k) * ldb);
        c = new float[cOff + m * ldc + 3];
        java.util.Arrays.fill(c, SENTINEL);
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = rnd.nextFloat() * 2 - 1;
        c0 = c.clone();
    }

    private static float[] filled(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = rnd.nextFloat() * 2 - 1;
        return x;
    }

    float a(int i, int p) { return transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]; }

    float b(int p, int j) { return transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]; }

    GemmReference fillC(float value) {
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = c0[cOff + i * ldc + j] = value;
        return this;
    }

    GemmReference run() {
        Sgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        return this;
    }

    /** Compares every element with a tolerance scaled by k and the magnitude of the terms summed. */
    void check() {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, mag = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a(i, p) * b(p, j);
                    sum += t;
                    mag += Math.abs(t);
                }
                double prior = beta == 0f ? 0 : (double) beta * c0[cOff + i * ldc + j];
                double expected = alpha * sum + prior;
                double tol = 2e-6 * (k + 4) * (Math.abs(alpha) * mag + Math.abs(prior)) + 1e-30;
                float got = c[cOff + i * ldc + j];
                if (!(Math.abs(got - expected) <= tol)) {
                    fail(String.format("C(%d,%d) = %s, expected %s ± %.3g in %s", i, j, got, expected, tol, this));
                }
            }
        }
        for (int i = 0; i < c.length; i++) {
            int rel = i - cOff;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside) assertEquals(SENTINEL, c[i], "storage outside C was written at " + i);
        }
    }

    @Override
    public String toString() {
        return String.format("sgemm(transA=%b, transB=%b, m=%d, n=%d, k=%d, alpha=%s, beta=%s, lda=%d, ldb=%d, ldc=%d)",
                transA, transB, m, n, k, alpha, beta, lda, ldb, ldc);
    }
}
