package zest.engine.cpu;

/**
 * A blocks from a row-major matrix of 16-bit floats (a convolution filter as it is stored): A(i, p) =
 * a[off + i*ld + p], widened while packing. The packed block holds exactly the floats a widened copy would give.
 */
record HalfMatrixAPanels(HalfArray a, long off, int ld) implements GemmAPanels {
    @Override
    public void pack(int i0, int rows, int p0, int kc, float[] dst) {
        for (int r = 0; r < rows; r++) a.widen(off + (long) (i0 + r) * ld + p0, dst, r * kc, kc);
    }
}
