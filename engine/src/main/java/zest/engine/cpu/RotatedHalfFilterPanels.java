package zest.engine.cpu;

/**
 * {@link RotatedFilterPanels} for a 16-bit filter: the same A(ci, (o, t)) = w[o][ci][window − 1 − t], widened while
 * packing (exact, so the packed block holds the bits a widened copy would). For one output channel o the rows of a
 * block (consecutive input channels) are one contiguous run of the weight, widened at once and then turned.
 */
record RotatedHalfFilterPanels(HalfArray w, long wOff, Conv2dGeometry g) implements GemmAPanels {
    @Override
    public void pack(int i0, int rows, int p0, int kc, float[] dst) {
        int window = g.kh() * g.kw(), c = g.c();
        float[] run = new float[rows * window];
        for (int o = p0 / window, last = (p0 + kc - 1) / window; o <= last; o++) {
            int tFrom = Math.max(0, p0 - o * window), tTo = Math.min(window, p0 + kc - o * window);
            int column = o * window - p0; // where tap t of channel o lands in the block
            w.widen(wOff + (long) (o * c + i0) * window, run, 0, rows * window);
            for (int r = 0; r < rows; r++) {
                int src = r * window + window - 1, d = r * kc + column;
                for (int t = tFrom; t < tTo; t++) dst[d + t] = run[src - t];
            }
        }
    }
}
