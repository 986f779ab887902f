package zest.engine.cpu;

/** Row-wise softmax over contiguous rows of length n. */
public final class SoftmaxKernels {
    private SoftmaxKernels() {}

    public static void softmaxRows(float[] x, float[] y, int rows, int n) {
        Parallel.forRange(rows, Math.max(1, 8192 / Math.max(n, 1)), (from, to) -> {
            for (int r = from; r < to; r++) softmaxRow(x, y, r * n, n);
        });
    }

    public static void softmaxRow(float[] x, float[] y, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        if (max == Float.NEGATIVE_INFINITY) {
            // fully masked row (every score -inf): all probabilities 0 rather than 0/0 = NaN
            java.util.Arrays.fill(y, off, off + n, 0f);
            return;
        }
        double sum = 0; // double: float accumulation drifts by ~1e-6 over rows of thousands
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            y[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) y[off + i] *= inv;
    }

    public static void logSoftmaxRows(float[] x, float[] y, int rows, int n) {
        Parallel.forRange(rows, Math.max(1, 8192 / Math.max(n, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * n;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
                if (max == Float.NEGATIVE_INFINITY) {
                    // fully masked row: log of the all-zero probabilities that softmax gives
                    java.util.Arrays.fill(y, off, off + n, Float.NEGATIVE_INFINITY);
                    continue;
                }
                double sum = 0;
                for (int i = 0; i < n; i++) sum += Math.exp(x[off + i] - max);
                // (x − max) − log Σ: rounding max + log Σ to float first would lose digits when |max| is large
                double logSum = Math.log(sum);
                for (int i = 0; i < n; i++) y[off + i] = (float) ((x[off + i] - max) - logSum);
            }
        });
    }
}
