package zest.engine.cpu;

/**
 * A 1-D resampling along one axis as a sparse matrix: output index i reads input indices src[ptr[i] .. ptr[i+1])
 * with the matching weights. Nearest, bilinear and area resizing are all separable, so a 2-D resize is one of
 * these per axis (see {@link ResizeKernels}).
 */
public record InterpolationTaps(int in, int out, int[] ptr, int[] src, float[] weight) {

    /** PyTorch mode "nearest": src = min(floor(i·scale), in − 1) with scale = in/out computed in float. */
    public static InterpolationTaps nearest(int in, int out) {
        int[] ptr = new int[out + 1], src = new int[out];
        float[] w = new float[out];
        float scale = (float) in / out;
        for (int i = 0; i < out; i++) {
            ptr[i + 1] = i + 1;
            src[i] = in == out ? i : Math.min((int) Math.floor((float) i * scale), in - 1);
            w[i] = 1f;
        }
        return new InterpolationTaps(in, out, ptr, src, w);
    }

    /**
     * PyTorch mode "bilinear" (per axis: linear) with align_corners=false and no antialias, in float as its CPU
     * kernel: s = max(scale·(i + 0.5) − 0.5, 0), i0 = min(floor(s), in − 1), i1 = i0 + 1 clamped, λ = s − i0.
     */
    public static InterpolationTaps linear(int in, int out) {
        int[] ptr = new int[out + 1], src = new int[2 * out];
        float[] w = new float[2 * out];
        float scale = (float) in / out;
        for (int i = 0; i < out; i++) {
            float s = Math.max(scale * (i + 0.5f) - 0.5f, 0f);
            int i0 = Math.min((int) Math.floor(s), in - 1);
            int i1 = i0 + (i0 < in - 1 ? 1 : 0);
            float lambda = Math.min(Math.max(s - i0, 0f), 1f);
            ptr[i + 1] = 2 * i + 2;
            src[2 * i] = i0;
            src[2 * i + 1] = i1;
            w[2 * i] = 1f - lambda;
            w[2 * i + 1] = lambda;
        }
        return new InterpolationTaps(in, out, ptr, src, w);
    }

    /**
     * PyTorch mode "area" (adaptive average pooling): output i averages input [floor(i·in/out), ceil((i+1)·in/out)).
     */
    public static InterpolationTaps area(int in, int out) {
        int[] ptr = new int[out + 1];
        for (int i = 0; i < out; i++) ptr[i + 1] = ptr[i] + (end(i, in, out) - start(i, in, out));
        int[] src = new int[ptr[out]];
        float[] w = new float[ptr[out]];
        for (int i = 0; i < out; i++) {
            int a = start(i, in, out), b = end(i, in, out);
            float inv = 1f / (b - a);
            for (int k = a; k < b; k++) {
                src[ptr[i] + k - a] = k;
                w[ptr[i] + k - a] = inv;
            }
        }
        return new InterpolationTaps(in, out, ptr, src, w);
    }

    private static int start(int i, int in, int out) { return (int) ((long) i * in / out); }

    private static int end(int i, int in, int out) { return (int) (((long) (i + 1) * in + out - 1) / out); }
}
