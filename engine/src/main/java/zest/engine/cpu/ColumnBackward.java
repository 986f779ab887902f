package zest.engine.cpu;

/**
 * The general (any stride) input gradient: cols = Wᵀ · gradOut for a bounded chunk of output pixels, then
 * col2im scatters each column back onto the input pixels it was read from. Chunks run one after another because
 * neighbouring chunks scatter onto overlapping input pixels; within a chunk, channels scatter in parallel.
 */
final class ColumnBackward {
    private ColumnBackward() {}

    /** @param chunkFloats bound on the column buffer (floats); at least one column is always used */
    static void backwardInput(Conv2dGeometry g, float[] gradOut, int gOff, float[] weight, int wOff, float[] gradX,
                              int gxOff, int chunkFloats) {
        int patch = g.patchSize(), pixels = g.outputPlane(), inPlane = g.c() * g.inputPlane();
        int chunk = Math.max(1, Math.min(pixels, chunkFloats / patch));
        float[] cols = new float[patch * chunk];
        java.util.Arrays.fill(gradX, gxOff, gxOff + Conv2dKernels.arraySize(g.inputSize()), 0f);
        for (int img = 0; img < g.n(); img++) {
            int gi = gOff + img * g.oc() * pixels, xi = gxOff + img * inPlane;
            for (int j0 = 0; j0 < pixels; j0 += chunk) {
                int width = Math.min(chunk, pixels - j0);
                Sgemm.multiply(true, false, patch, width, g.oc(), 1f, weight, wOff, patch, gradOut, gi + j0, pixels,
                        0f, cols, 0, width, true);
                int first = j0;
                Parallel.parallelFor(g.c(), ci -> col2im(g, cols, width, first, ci, gradX, xi));
            }
        }
    }

    /** Adds the chunk's rows for channel ci (columns = output pixels first .. first+width) onto gradX. */
    private static void col2im(Conv2dGeometry g, float[] cols, int width, int first, int ci, float[] gradX, int xi) {
        int kh = g.kh(), kw = g.kw(), h = g.h(), w = g.w();
        PixelRuns runs = new PixelRuns(Math.min(width, width / g.ow() + 2));
        runs.split(first, width, g.ow());
        int plane = xi + ci * h * w;
        for (int ki = 0; ki < kh; ki++) {
            for (int kj = 0; kj < kw; kj++) {
                int row = ((ci * kh + ki) * kw + kj) * width;
                for (int r = 0; r < runs.count; r++) {
                    int iy = runs.oy[r] * g.sh() + ki - g.ph();
                    if (iy < 0 || iy >= h) continue;
                    int src = row + runs.column[r], dst = plane + iy * w;
                    for (int t = 0; t < runs.length[r]; t++) {
                        int ix = (runs.ox[r] + t) * g.sw() + kj - g.pw();
                        if (ix >= 0 && ix < w) gradX[dst + ix] += cols[src + t];
                    }
                }
            }
        }
    }
}
