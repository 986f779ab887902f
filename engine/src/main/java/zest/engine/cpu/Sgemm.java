package zest.engine.cpu;

/**
 * Single-precision GEMM on row-major float arrays: C = alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ.
 * op(A) is m×k, op(B) is k×n, C is m×n; offsets and leading dimensions count floats. beta == 0 overwrites C
 * without reading it (NaN or garbage there is ignored), as in BLAS.
 *
 * <p>Large products go through {@link BlockedGemm} (packed, cache-blocked, multithreaded, Vector API
 * micro-kernel); tiny ones through {@link SmallGemm}, where packing and thread hand-off would cost more than
 * the arithmetic.
 */
public final class Sgemm {
    /** Below this many multiply-adds the direct loops win. */
    static final long SMALL_WORK = 1L << 15;

    private Sgemm() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
                             int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        checkArgs(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        multiply(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, true);
    }

    /**
     * As {@link #sgemm}, with B a matrix of 16-bit floats (a half-precision weight), offsets and leading dimension
     * counting elements: B is widened while it is packed, so the result has the bits of {@code sgemm} on the
     * widened copy while no such copy exists (products too small to pack widen the part of B they read).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
                             int lda, HalfArray b, long bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        int bRows = transB ? n : k, bCols = transB ? k : n;
        long bLast = bOff + (long) (bRows - 1) * ldb + bCols - 1;
        if (ldb < Math.max(1, bCols) || bOff < 0 || (bRows > 0 && bCols > 0 && bLast >= b.length()))
            throw new IndexOutOfBoundsException("B (" + bRows + "×" + bCols + ", ld " + ldb + ", offset " + bOff
                    + ") does not fit a 16-bit array of " + b.length());
        if (m == 0 || n == 0 || k == 0 || alpha == 0f || (long) m * n * k <= SMALL_WORK || m == 1) {
            float[] wide = new float[bRows == 0 || bCols == 0 ? 0 : Math.toIntExact(bLast - bOff + 1)];
            b.widen(bOff, wide, 0, wide.length);
            sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, wide, 0, ldb, beta, c, cOff, ldc);
            return;
        }
        checkMatrix("A", a, aOff, transA ? k : m, transA ? m : k, lda);
        checkMatrix("C", c, cOff, m, n, ldc);
        BlockedGemm.multiply(m, n, k, alpha, MatrixAPanels.of(transA, a, aOff, lda), new HalfMatrixBPanels(transB, b, bOff, ldb),
                beta, c, cOff, ldc, true);
    }

    /**
     * {@code batch} independent products; matrix t of each operand starts at off + t·stride. A stride of 0 reuses
     * one matrix for every product (e.g. a shared weight).
     */
    public static void sgemmBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
                                    int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff,
                                    int ldc, int batch, int strideA, int strideB, int strideC) {
        if (batch < 0) throw new IllegalArgumentException("batch < 0: " + batch);
        if (batch == 0) return;
        checkArgs(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        long lastA = aOff + (long) (batch - 1) * strideA, lastB = bOff + (long) (batch - 1) * strideB;
        long lastC = cOff + (long) (batch - 1) * strideC;
        if (lastA > Integer.MAX_VALUE || lastB > Integer.MAX_VALUE || lastC > Integer.MAX_VALUE
                || lastA < 0 || lastB < 0 || lastC < 0) {
            throw new IndexOutOfBoundsException("batch strides run outside int range");
        }
        checkArgs(transA, transB, m, n, k, a, (int) lastA, lda, b, (int) lastB, ldb, c, (int) lastC, ldc);
        long work = (long) m * n * k;
        // Many small products: one product per thread beats splitting each product across threads.
        boolean perThread = batch >= Parallel.threads() && work < (1L << 21);
        if (perThread && Parallel.threads() > 1) {
            Parallel.parallelFor(batch, t -> multiply(transA, transB, m, n, k, alpha, a, aOff + t * strideA, lda,
                    b, bOff + t * strideB, ldb, beta, c, cOff + t * strideC, ldc, false));
        } else {
            for (int t = 0; t < batch; t++) {
                multiply(transA, transB, m, n, k, alpha, a, aOff + t * strideA, lda, b, bOff + t * strideB, ldb,
                        beta, c, cOff + t * strideC, ldc, true);
            }
        }
    }

    /** Arguments already checked; parallel=false keeps the whole product on the calling thread. */
    static void multiply(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
                         int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                         boolean parallel) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) { // nothing to accumulate: C = beta·C
            for (int i = 0; i < m; i++) SmallGemm.scaleRow(c, cOff + i * ldc, n, beta);
            return;
        }
        if ((long) m * n * k <= SMALL_WORK || m == 1) {
            SmallGemm.multiply(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        BlockedGemm.multiply(m, n, k, alpha, MatrixAPanels.of(transA, a, aOff, lda),
                new MatrixBPanels(transB, b, bOff, ldb), beta, c, cOff, ldc, parallel);
    }

    private static void checkArgs(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                                  float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("negative size m=" + m + " n=" + n + " k=" + k);
        checkMatrix("A", a, aOff, transA ? k : m, transA ? m : k, lda);
        checkMatrix("B", b, bOff, transB ? n : k, transB ? k : n, ldb);
        checkMatrix("C", c, cOff, m, n, ldc);
    }

    /** A stored rows×cols row-major matrix with leading dimension ld must lie inside arr. */
    static void checkMatrix(String name, float[] arr, int off, int rows, int cols, int ld) {
        if (ld < Math.max(1, cols)) throw new IllegalArgumentException("ld" + name + "=" + ld + " < " + cols);
        if (off < 0) throw new IndexOutOfBoundsException(name + " offset " + off);
        if (rows == 0 || cols == 0) return;
        long last = off + (long) (rows - 1) * ld + cols - 1;
        if (last >= arr.length) {
            throw new IndexOutOfBoundsException(name + " needs index " + last + " but has length " + arr.length);
        }
    }
}
