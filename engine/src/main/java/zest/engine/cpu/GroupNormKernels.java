package zest.engine.cpu;

/**
 * Group normalization over x of shape [N, C, S] (S = product of the spatial dims), contiguous, with C split into G
 * groups of C/G channels. Statistics are per (n, g); the affine weight and bias are per channel (null: 1 and 0).
 */
public final class GroupNormKernels {
    private GroupNormKernels() {}

    /** Saved statistics of a forward pass: mean and rstd per (n, g), row-major [N, G]. */
    public record Stats(float[] mean, float[] rstd) {}

    /** y = (x − mean)·rstd·w[c] + b[c]; returns the statistics for backward. */
    public static Stats forward(float[] x, int n, int c, int s, int groups, float[] weight, float[] bias, float eps, float[] y) {
        int rows = n * groups, cpg = c / groups;
        float[] mean = new float[rows], rstd = new float[rows];
        RowMoments.compute(x, rows, cpg * s, eps, mean, rstd);
        // per (n, c) plane: y = (x − mean)·scale + b; subtracting the mean first (rather than folding it into
        // the shift) keeps full precision when the mean is large compared with the spread
        Parallel.forRange(n * c, Math.max(1, 16384 / Math.max(s, 1)), (from, to) -> {
            for (int p = from; p < to; p++) {
                int ch = p % c, row = (p / c) * groups + ch / cpg;
                float w = weight == null ? 1f : weight[ch], b = bias == null ? 0f : bias[ch];
                float scale = rstd[row] * w, mu = mean[row];
                int off = p * s;
                for (int i = 0; i < s; i++) y[off + i] = (x[off + i] - mu) * scale + b;
            }
        });
        return new Stats(mean, rstd);
    }

    /** Gradients of one backward pass; entries are null where not requested. */
    public record Grads(float[] input, float[] weight, float[] bias) {}

    /**
     * The closed-form backward. With x̂ = (x − mean)·rstd and dx̂ = dy·w over a group of M = (C/G)·S elements:
     * dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dw[c] = Σ dy·x̂, db[c] = Σ dy. Everything is derived from
     * the per-(n, c) sums Σdy and Σdy·x, so dy and x are each read twice in total.
     */
    public static Grads backward(float[] dy, float[] x, Stats stats, float[] weight, int n, int c, int s, int groups,
                                 boolean wantInput, boolean wantWeight, boolean wantBias) {
        int cpg = c / groups;
        double[] sumDy = new double[n * c], sumDyX = new double[n * c];
        Parallel.forRange(n * c, Math.max(1, 16384 / Math.max(s, 1)), (from, to) -> {
            for (int p = from; p < to; p++) {
                int off = p * s;
                double a = 0, b = 0;
                for (int i = 0; i < s; i++) {
                    a += dy[off + i];
                    b += (double) dy[off + i] * x[off + i];
                }
                sumDy[p] = a;
                sumDyX[p] = b;
            }
        });
        float[] mean = stats.mean(), rstd = stats.rstd();
        float[] dx = null;
        if (wantInput) {
            dx = new float[n * c * s];
            float[] out = dx;
            double m = (double) cpg * s;
            // per group: dx = rstd·w·dy + c2·(x − mean) + c3
            float[] c2 = new float[n * groups], c3 = new float[n * groups];
            for (int row = 0; row < n * groups; row++) {
                int first = (row / groups) * c + (row % groups) * cpg;
                double a = 0, b = 0; // Σ dx̂ and Σ dx̂·x
                for (int ch = 0; ch < cpg; ch++) {
                    double w = weight == null ? 1 : weight[(first + ch) % c];
                    a += w * sumDy[first + ch];
                    b += w * sumDyX[first + ch];
                }
                double r = rstd[row], mu = mean[row];
                double k2 = -r * r * r * (b - mu * a) / m;
                c2[row] = (float) k2;
                c3[row] = (float) (-r * a / m);
            }
            Parallel.forRange(n * c, Math.max(1, 16384 / Math.max(s, 1)), (from, to) -> {
                for (int p = from; p < to; p++) {
                    int ch = p % c, row = (p / c) * groups + ch / cpg;
                    float k1 = rstd[row] * (weight == null ? 1f : weight[ch]), k2 = c2[row], k3 = c3[row], mu = mean[row];
                    int off = p * s;
                    for (int i = 0; i < s; i++) out[off + i] = k1 * dy[off + i] + k2 * (x[off + i] - mu) + k3;
                }
            });
        }
        float[] dw = wantWeight ? new float[c] : null, db = wantBias ? new float[c] : null;
        for (int ch = 0; ch < c; ch++) {
            double gw = 0, gb = 0;
            for (int b = 0; b < n; b++) {
                int p = b * c + ch, row = b * groups + ch / cpg;
                gw += (sumDyX[p] - mean[row] * sumDy[p]) * rstd[row];
                gb += sumDy[p];
            }
            if (dw != null) dw[ch] = (float) gw;
            if (db != null) db[ch] = (float) gb;
        }
        return new Grads(dx, dw, db);
    }
}
