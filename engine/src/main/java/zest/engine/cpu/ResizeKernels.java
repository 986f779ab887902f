package zest.engine.cpu;

/**
 * Separable 2-D resampling of contiguous [planes, H, W] data: y = Th · x · Twᵀ per plane, where Th and Tw are the
 * per-axis {@link InterpolationTaps}; the backward is the transpose, gx = Thᵀ · gy · Tw. Planes run in parallel.
 */
public final class ResizeKernels {
    private ResizeKernels() {}

    public static void forward(float[] x, int planes, InterpolationTaps th, InterpolationTaps tw, float[] y) {
        int inH = th.in(), inW = tw.in(), outH = th.out(), outW = tw.out();
        Parallel.forRange(planes, Math.max(1, 16384 / Math.max(inH * inW + outH * outW, 1)), (from, to) -> {
            float[] row = new float[inW];
            for (int p = from; p < to; p++) {
                int xOff = p * inH * inW, yOff = p * outH * outW;
                for (int i = 0; i < outH; i++) {
                    // rows first: the input row mix for output row i, then the column taps on it
                    java.util.Arrays.fill(row, 0f);
                    for (int t = th.ptr()[i]; t < th.ptr()[i + 1]; t++) {
                        float w = th.weight()[t];
                        int src = xOff + th.src()[t] * inW;
                        for (int b = 0; b < inW; b++) row[b] += w * x[src + b];
                    }
                    int dst = yOff + i * outW;
                    for (int j = 0; j < outW; j++) {
                        float s = 0;
                        for (int t = tw.ptr()[j]; t < tw.ptr()[j + 1]; t++) s += tw.weight()[t] * row[tw.src()[t]];
                        y[dst + j] = s;
                    }
                }
            }
        });
    }

    public static void backward(float[] gy, int planes, InterpolationTaps th, InterpolationTaps tw, float[] gx) {
        int inH = th.in(), inW = tw.in(), outH = th.out(), outW = tw.out();
        Parallel.forRange(planes, Math.max(1, 16384 / Math.max(inH * inW + outH * outW, 1)), (from, to) -> {
            float[] row = new float[inW];
            for (int p = from; p < to; p++) {
                int xOff = p * inH * inW, yOff = p * outH * outW;
                java.util.Arrays.fill(gx, xOff, xOff + inH * inW, 0f);
                for (int i = 0; i < outH; i++) {
                    java.util.Arrays.fill(row, 0f);
                    int src = yOff + i * outW;
                    for (int j = 0; j < outW; j++) {
                        float g = gy[src + j];
                        for (int t = tw.ptr()[j]; t < tw.ptr()[j + 1]; t++) row[tw.src()[t]] += tw.weight()[t] * g;
                    }
                    for (int t = th.ptr()[i]; t < th.ptr()[i + 1]; t++) {
                        float w = th.weight()[t];
                        int dst = xOff + th.src()[t] * inW;
                        for (int b = 0; b < inW; b++) gx[dst + b] += w * row[b];
                    }
                }
            }
        });
    }

    /** Nearest 2× upsampling: each input pixel becomes a 2×2 block. */
    public static void upsample2x(float[] x, int planes, int h, int w, float[] y) {
        Parallel.forRange(planes * h, Math.max(1, 4096 / Math.max(w, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int src = r * w, dst = r * 4 * w; // input row r → output rows 2r and 2r+1 of width 2w
                for (int b = 0; b < w; b++) {
                    float v = x[src + b];
                    y[dst + 2 * b] = v;
                    y[dst + 2 * b + 1] = v;
                }
                System.arraycopy(y, dst, y, dst + 2 * w, 2 * w);
            }
        });
    }

    /** Backward of {@link #upsample2x}: each input pixel collects the sum of its 2×2 block. */
    public static void upsample2xBackward(float[] gy, int planes, int h, int w, float[] gx) {
        Parallel.forRange(planes * h, Math.max(1, 4096 / Math.max(w, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int dst = r * w, top = r * 4 * w, bottom = top + 2 * w;
                for (int b = 0; b < w; b++)
                    gx[dst + b] = (gy[top + 2 * b] + gy[top + 2 * b + 1]) + (gy[bottom + 2 * b] + gy[bottom + 2 * b + 1]);
            }
        });
    }
}
