package zest.engine.cpu;

import static zest.engine.cpu.GemmMicroKernel.NR;

/**
 * Implicit transposed im2col for the weight gradient GEMM (gradW = gradOut · colsᵀ): B(p, j) is input pixel
 * p's value under filter tap j = (ci, ki, kj), zero in the padding. Each panel column is one tap swept over a
 * run of output pixels, so reads follow image rows and writes stride by NR inside an L1-resident panel.
 */
record Im2colTransposedPanels(float[] x, int xOff, Conv2dGeometry g) implements GemmBPanels {

    @Override
    public void pack(int p0, int kc, int j0, int nc, float[] dst, int dstOff) {
        PixelRuns runs = new PixelRuns(kc);
        runs.split(p0, kc, g.ow());
        for (int jp = 0; jp < nc; jp += NR, dstOff += kc * NR) {
            int width = Math.min(NR, nc - jp);
            for (int jj = 0; jj < width; jj++) packTap(j0 + jp + jj, runs, dst, dstOff + jj);
            for (int jj = width; jj < NR; jj++) {
                for (int p = 0; p < kc; p++) dst[dstOff + p * NR + jj] = 0f;
            }
        }
    }

    /** Fills one panel column (stride NR from d) with tap j over all runs. */
    private void packTap(int tap, PixelRuns runs, float[] dst, int d) {
        int window = g.kh() * g.kw();
        int ci = tap / window, ki = tap % window / g.kw(), kj = tap % g.kw();
        int h = g.h(), w = g.w(), sw = g.sw();
        int plane = xOff + ci * h * w;
        for (int r = 0; r < runs.count; r++) {
            int out = d + runs.column[r] * NR, len = runs.length[r];
            int iy = runs.oy[r] * g.sh() + ki - g.ph();
            if (iy < 0 || iy >= h) {
                for (int t = 0; t < len; t++) dst[out + t * NR] = 0f;
                continue;
            }
            int row = plane + iy * w, ix0 = runs.ox[r] * sw + kj - g.pw();
            // in-bounds stretch [lo, hi) of the run, found once instead of testing every pixel
            int lo = ix0 >= 0 ? 0 : Math.min(len, (-ix0 + sw - 1) / sw);
            int hi = ix0 >= w ? 0 : Math.min(len, (w - 1 - ix0) / sw + 1);
            hi = Math.max(hi, lo);
            for (int t = 0; t < lo; t++) dst[out + t * NR] = 0f;
            for (int t = lo, s = row + ix0 + lo * sw; t < hi; t++, s += sw) dst[out + t * NR] = x[s];
            for (int t = hi; t < len; t++) dst[out + t * NR] = 0f;
        }
    }
}
