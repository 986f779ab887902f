package zest.engine.cpu;

/**
 * Layer normalization of contiguous rows of length d, with a per-column affine weight and bias (null: 1 and 0).
 */
public final class LayerNormKernels {
    private LayerNormKernels() {}

    /** Saved statistics of a forward pass: mean and rstd per row. */
    public record Stats(float[] mean, float[] rstd) {}

    /** Gradients of one backward pass; entries are null where not requested. */
    public record Grads(float[] input, float[] weight, float[] bias) {}

    public static Stats forward(float[] x, int rows, int d, float[] weight, float[] bias, float eps, float[] y) {
        float[] mean = new float[rows], rstd = new float[rows];
        RowMoments.compute(x, rows, d, eps, mean, rstd);
        Parallel.forRange(rows, Math.max(1, 16384 / Math.max(d, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int off = r * d;
                float mu = mean[r], rs = rstd[r];
                if (weight == null && bias == null) {
                    for (int j = 0; j < d; j++) y[off + j] = (x[off + j] - mu) * rs;
                } else {
                    for (int j = 0; j < d; j++) {
                        float w = weight == null ? 1f : weight[j], b = bias == null ? 0f : bias[j];
                        y[off + j] = (x[off + j] - mu) * rs * w + b;
                    }
                }
            }
        });
        return new Stats(mean, rstd);
    }

    /**
     * Closed form per row: with x̂ = (x − mean)·rstd and dx̂ = dy·w, dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)).
     * The column sums dw = Σ dy·x̂ and db = Σ dy are accumulated per chunk of rows in double, then added up.
     */
    public static Grads backward(float[] dy, float[] x, Stats stats, float[] weight, int rows, int d,
                                 boolean wantInput, boolean wantWeight, boolean wantBias) {
        float[] mean = stats.mean(), rstd = stats.rstd();
        float[] dx = wantInput ? new float[rows * d] : null;
        if (wantInput) {
            Parallel.forRange(rows, Math.max(1, 16384 / Math.max(d, 1)), (from, to) -> {
                for (int r = from; r < to; r++) inputGradRow(dy, x, mean[r], rstd[r], weight, r * d, d, dx);
            });
        }
        float[] dw = null, db = null;
        if (wantWeight || wantBias) {
            int chunks = Math.max(1, Math.min(rows, Parallel.threads() * 2));
            double[][] pw = new double[chunks][], pb = new double[chunks][];
            Parallel.parallelFor(chunks, k -> {
                int from = (int) ((long) rows * k / chunks), to = (int) ((long) rows * (k + 1) / chunks);
                double[] sw = new double[d], sb = new double[d];
                for (int r = from; r < to; r++) {
                    int off = r * d;
                    double mu = mean[r], rs = rstd[r];
                    for (int j = 0; j < d; j++) {
                        double g = dy[off + j];
                        sw[j] += g * (x[off + j] - mu) * rs;
                        sb[j] += g;
                    }
                }
                pw[k] = sw;
                pb[k] = sb;
            });
            if (wantWeight) dw = sumChunks(pw, d);
            if (wantBias) db = sumChunks(pb, d);
        }
        return new Grads(dx, dw, db);
    }

    private static void inputGradRow(float[] dy, float[] x, float mu, float rs, float[] weight, int off, int d, float[] dx) {
        double a = 0, b = 0; // Σ dx̂ and Σ dx̂·x
        for (int j = 0; j < d; j++) {
            double g = weight == null ? dy[off + j] : (double) dy[off + j] * weight[j];
            a += g;
            b += g * x[off + j];
        }
        double k2 = -(double) rs * rs * rs * (b - mu * a) / d;
        float c2 = (float) k2, c3 = (float) (-rs * a / d);
        for (int j = 0; j < d; j++) {
            float g = weight == null ? dy[off + j] : dy[off + j] * weight[j];
            dx[off + j] = rs * g + c2 * (x[off + j] - mu) + c3;
        }
    }

    private static float[] sumChunks(double[][] parts, int d) {
        float[] out = new float[d];
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (double[] p : parts) s += p[j];
            out[j] = (float) s;
        }
        return out;
    }
}
