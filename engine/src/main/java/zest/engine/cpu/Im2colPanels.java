package zest.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static zest.engine.cpu.GemmMicroKernel.NR;

/**
 * Implicit im2col for the forward convolution GEMM (out = W · cols): B(p, j) = x[ci][oy·sh + ki − ph][ox·sw + kj − pw]
 * (zero in the padding) with p = (ci, ki, kj) and j = (oy, ox). Panels are filled straight from the image, so
 * the full im2col matrix (patchSize × pixels, over a gigabyte for SD's VAE) never exists.
 */
record Im2colPanels(float[] x, int xOff, Conv2dGeometry g) implements GemmBPanels {
    private static final VectorSpecies<Float> SPECIES = GemmMicroKernel.SPECIES;

    @Override
    public void pack(int p0, int kc, int j0, int nc, float[] dst, int dstOff) {
        PixelRuns runs = new PixelRuns(NR);
        for (int jp = 0; jp < nc; jp += NR, dstOff += kc * NR) {
            int width = Math.min(NR, nc - jp);
            runs.split(j0 + jp, width, g.ow());
            packPanel(p0, kc, runs, width, dst, dstOff);
        }
    }

    private void packPanel(int p0, int kc, PixelRuns runs, int width, float[] dst, int dstOff) {
        int kh = g.kh(), kw = g.kw(), h = g.h(), w = g.w(), sh = g.sh(), sw = g.sw();
        int window = kh * kw;
        int ci = p0 / window, ki = p0 % window / kw, kj = p0 % kw;
        for (int p = 0; p < kc; p++) {
            int d = dstOff + p * NR;
            int plane = xOff + ci * h * w;
            for (int r = 0; r < runs.count; r++) {
                int start = d + runs.column[r], len = runs.length[r];
                int iy = runs.oy[r] * sh + ki - g.ph();
                if (iy < 0 || iy >= h) {
                    java.util.Arrays.fill(dst, start, start + len, 0f);
                } else if (sw == 1) {
                    int ix0 = runs.ox[r] + kj - g.pw(), row = plane + iy * w;
                    // tested here rather than in copyClipped so the common case inlines
                    if (ix0 >= 0 && ix0 + len <= w) copyInside(x, row + ix0, len, dst, start);
                    else copyAcrossEdge(x, row, ix0, w, len, dst, start);
                } else {
                    int row = plane + iy * w;
                    for (int t = 0; t < len; t++) {
                        int ix = (runs.ox[r] + t) * sw + kj - g.pw();
                        dst[start + t] = ix >= 0 && ix < w ? x[row + ix] : 0f;
                    }
                }
            }
            if (width < NR) java.util.Arrays.fill(dst, d + width, d + NR, 0f);
            if (++kj == kw) { kj = 0; if (++ki == kh) { ki = 0; ci++; } }
        }
    }

    /**
     * dst[0..len) = row[ix0 .. ix0+len) where the row has w entries and everything outside it reads as 0. Runs
     * inside the row are plain vector copies (kept small so C2 inlines them into the packing loops); runs that hang
     * over an edge zero their outside part and copy the inside part.
     */
    static void copyClipped(float[] src, int row, int ix0, int w, int len, float[] dst, int d) {
        if (ix0 >= 0 && ix0 + len <= w) copyInside(src, row + ix0, len, dst, d);
        else copyAcrossEdge(src, row, ix0, w, len, dst, d);
    }

    static void copyInside(float[] src, int s, int len, float[] dst, int d) {
        int t = 0;
        for (int bound = SPECIES.loopBound(len); t < bound; t += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, src, s + t).intoArray(dst, d + t);
        }
        for (; t < len; t++) dst[d + t] = src[s + t];
    }

    static void copyAcrossEdge(float[] src, int row, int ix0, int w, int len, float[] dst, int d) {
        int lo = Math.min(len, Math.max(0, -ix0)), hi = Math.max(lo, Math.min(len, w - ix0));
        for (int t = 0; t < lo; t++) dst[d + t] = 0f;
        if (hi > lo) copyInside(src, row + ix0 + lo, hi - lo, dst, d + lo);
        for (int t = hi; t < len; t++) dst[d + t] = 0f;
    }
}
