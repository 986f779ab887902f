package zest.engine.cpu;

import static zest.engine.cpu.GemmMicroKernel.NR;

/**
 * Implicit transposed im2col for the weight gradient GEMM (gradW = gradOut · colsᵀ): B(p, j) is output pixel
 * p's input value under filter tap j = (ci, ki, kj), zero in the padding. A panel is built in two steps: each tap's
 * im2col row over the pixel range is copied along the image rows (vector copies), then the taps × pixels block is
 * flipped into the pixels × taps panel with register transposes.
 */
record Im2colTransposedPanels(float[] x, int xOff, Conv2dGeometry g) implements GemmBPanels {

    @Override
    public void pack(int p0, int kc, int j0, int nc, float[] dst, int dstOff) {
        PixelRuns runs = new PixelRuns(kc);
        runs.split(p0, kc, g.ow());
        float[] rows = new float[NR * kc]; // im2col rows of one panel's taps, 32 KB at most
        for (int jp = 0; jp < nc; jp += NR, dstOff += kc * NR) {
            int width = Math.min(NR, nc - jp);
            for (int jj = 0; jj < width; jj++) im2colRow(j0 + jp + jj, runs, rows, jj * kc);
            Transpose.matrix(rows, 0, kc, width, kc, dst, dstOff, NR);
            for (int p = 0; p < kc; p++) java.util.Arrays.fill(dst, dstOff + p * NR + width, dstOff + (p + 1) * NR, 0f);
        }
    }

    /** rows[r .. r+kc) = tap's value at every pixel of the runs. */
    private void im2colRow(int tap, PixelRuns runs, float[] rows, int r) {
        int window = g.kh() * g.kw();
        int ci = tap / window, ki = tap % window / g.kw(), kj = tap % g.kw();
        int h = g.h(), w = g.w(), sw = g.sw();
        int plane = xOff + ci * h * w;
        for (int k = 0; k < runs.count; k++) {
            int out = r + runs.column[k], len = runs.length[k];
            int iy = runs.oy[k] * g.sh() + ki - g.ph();
            int ix0 = runs.ox[k] * sw + kj - g.pw();
            if (iy < 0 || iy >= h) {
                java.util.Arrays.fill(rows, out, out + len, 0f);
            } else if (sw == 1) {
                Im2colPanels.copyClipped(x, plane + iy * w, ix0, w, len, rows, out);
            } else {
                int row = plane + iy * w;
                for (int t = 0, ix = ix0; t < len; t++, ix += sw) rows[out + t] = ix >= 0 && ix < w ? x[row + ix] : 0f;
            }
        }
    }
}
