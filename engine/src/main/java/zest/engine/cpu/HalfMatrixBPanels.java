package zest.engine.cpu;

import static zest.engine.cpu.GemmMicroKernel.NR;

/**
 * B micro-panels from a row-major matrix of 16-bit floats (a linear layer's weight), optionally transposed
 * (op(B) = Bᵀ, the forward x·Wᵀ), widened while packing: the panels hold exactly what {@link MatrixBPanels}
 * packs from the widened copy, so the product is bit for bit the same without that copy existing.
 */
record HalfMatrixBPanels(boolean transposed, HalfArray b, long off, int ld) implements GemmBPanels {
    /** One panel's source rows, widened (a pooled buffer: a fresh one per call would cost its zeroing too). */
    private static final ScratchPool ROWS = new ScratchPool(NR * BlockedGemm.KC, 8);

    @Override
    public void pack(int p0, int kc, int j0, int nc, float[] dst, int dstOff) {
        if (transposed && kc > BlockedGemm.KC) throw new IllegalArgumentException("k slice " + kc + " > " + BlockedGemm.KC);
        // transposed: one panel's source rows are widened into a small buffer, then transposed as floats
        float[] rows = transposed ? ROWS.take() : null;
        try {
            packPanels(p0, kc, j0, nc, dst, dstOff, rows);
        } finally {
            if (rows != null) ROWS.give(rows);
        }
    }

    private void packPanels(int p0, int kc, int j0, int nc, float[] dst, int dstOff, float[] rows) {
        for (int jp = 0; jp < nc; jp += NR, dstOff += kc * NR) {
            int width = Math.min(NR, nc - jp), j = j0 + jp;
            if (transposed) {
                // op(B)(p, j) = b[off + j*ld + p]: `width` source rows of kc, transposed into the panel
                for (int c = 0; c < width; c++) b.widen(off + (long) (j + c) * ld + p0, rows, c * kc, kc);
                new MatrixBPanels(true, rows, 0, kc).pack(0, kc, 0, width, dst, dstOff);
            } else {
                // op(B)(p, j) = b[off + p*ld + j]: kc runs of `width`, widened straight into the panel
                for (int p = 0, d = dstOff; p < kc; p++, d += NR) {
                    b.widen(off + (long) (p0 + p) * ld + j, dst, d, width);
                    if (width < NR) java.util.Arrays.fill(dst, d + width, d + NR, 0f);
                }
            }
        }
    }
}
