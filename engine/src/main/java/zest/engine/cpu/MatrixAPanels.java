package zest.engine.cpu;

/**
 * A blocks from an ordinary strided matrix: A(i, p) = a[off + i*rowStride + p*colStride], i.e. (lda, 1) for a
 * row-major A and (1, lda) for op(A) = Aᵀ. Reading A in place would skip the copy, but with power-of-two leading
 * dimensions its rows alias onto a few cache sets and the kernel slows down badly; the copy costs ~1/(2n) of the
 * arithmetic.
 */
record MatrixAPanels(float[] a, int off, int rowStride, int colStride) implements GemmAPanels {
    static MatrixAPanels of(boolean transposed, float[] a, int off, int ld) {
        return transposed ? new MatrixAPanels(a, off, 1, ld) : new MatrixAPanels(a, off, ld, 1);
    }

    @Override
    public void pack(int i0, int rows, int p0, int kc, float[] dst) {
        if (colStride == 1) {
            for (int r = 0; r < rows; r++) System.arraycopy(a, off + (i0 + r) * rowStride + p0, dst, r * kc, kc);
            return;
        }
        // transposed: A's columns are contiguous, so move square blocks through registers
        Transpose.matrix(a, off + p0 * colStride + i0 * rowStride, colStride, kc, rows, dst, 0, kc);
    }
}
