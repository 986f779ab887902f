package zest.engine.cpu;

/**
 * Mean and reciprocal standard deviation of contiguous rows, as normalization layers need them (biased variance).
 */
public final class RowMoments {
    private RowMoments() {}

    /**
     * For each of {@code rows} rows of length n starting at x[r·n]: mean[r] and rstd[r] = 1/√(var + eps).
     * One pass in double over values shifted by the row's first element: the shift keeps Σd² − (Σd)²/n free of
     * cancellation even when the mean is large compared with the spread.
     */
    public static void compute(float[] x, int rows, int n, float eps, float[] mean, float[] rstd) {
        Parallel.forRange(rows, Math.max(1, 16384 / Math.max(n, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * n;
                double shift = n > 0 ? x[off] : 0, s = 0, ss = 0;
                for (int i = 0; i < n; i++) {
                    double d = x[off + i] - shift;
                    s += d;
                    ss += d * d;
                }
                double m = s / n;
                double var = Math.max(ss / n - m * m, 0);
                mean[r] = (float) (shift + m);
                rstd[r] = (float) (1 / Math.sqrt(var + eps));
            }
        });
    }
}
