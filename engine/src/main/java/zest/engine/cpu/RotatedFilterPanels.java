package zest.engine.cpu;

/**
 * A blocks of the stride-1 input-gradient convolution's filter, read straight from the forward weight:
 * A(ci, (o, t)) = w[o][ci][window − 1 − t], i.e. channels swapped and each kernel window turned by 180°.
 * Building that filter as an array would cost a pass over all of it (59 MB for a 1280-channel 3×3 layer) on
 * every backward call; packing reads each output channel's contiguous run of input channels instead.
 */
record RotatedFilterPanels(float[] w, int wOff, Conv2dGeometry g) implements GemmAPanels {
    @Override
    public void pack(int i0, int rows, int p0, int kc, float[] dst) {
        int window = g.kh() * g.kw(), c = g.c();
        for (int o = p0 / window, last = (p0 + kc - 1) / window; o <= last; o++) {
            int tFrom = Math.max(0, p0 - o * window), tTo = Math.min(window, p0 + kc - o * window);
            int column = o * window - p0; // where tap t of channel o lands in the block
            for (int r = 0; r < rows; r++) {
                int src = wOff + (o * c + i0 + r) * window + window - 1, d = r * kc + column;
                for (int t = tFrom; t < tTo; t++) dst[d + t] = w[src - t];
            }
        }
    }
}
