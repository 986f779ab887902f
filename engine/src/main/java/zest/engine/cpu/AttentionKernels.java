package zest.engine.cpu;

/**
 * Fused scaled-dot-product attention for inference: softmax(scale·Q·Kᵀ + bias)·V computed one block of query rows
 * at a time per (batch, head), so only a [block, Lk] score buffer per worker exists at any moment (never the full
 * [Lq, Lk] matrix of every head). Blocks of all heads run in parallel; inside a block the two products go through
 * {@link Sgemm}.
 */
public final class AttentionKernels {
    private AttentionKernels() {}

    /** Score-buffer budget per block, in floats (1 MiB): keeps a block's scores in L2/L3. */
    private static final int SCORE_BUDGET = 1 << 18;
    private static final int MIN_BLOCK = 16, MAX_BLOCK = 256;

    /**
     * A [B, H, rows, cols] stack of row-major matrices inside {@code data}: matrix (b, h) starts at
     * offset + b·strideB + h·strideH, its rows are {@code ld} apart and each row is contiguous.
     */
    public record Matrices(float[] data, int offset, int strideB, int strideH, int ld) {
        int at(int b, int h) { return offset + b * strideB + h * strideH; }
    }

    /**
     * An additive bias broadcast to [B, H, Lq, Lk]: element (b, h, i, j) is
     * data[offset + b·sb + h·sh + i·si + j·sj] (strides are 0 along broadcast dims).
     */
    public record Bias(float[] data, int offset, int sb, int sh, int si, int sj) {}

    /**
     * out(b, h) = softmax(scale·q(b, h)·k(b, h)ᵀ + bias(b, h))·v(b, h), for q [Lq, d], k [Lk, d], v [Lk, dv],
     * out [Lq, dv]. bias may be null. Scores are scaled after the product, as the unfused composition does, so both
     * round alike.
     */
    public static void forward(int batch, int heads, int lq, int lk, int d, int dv, Matrices q, Matrices k, Matrices v,
                               Bias bias, float scale, Matrices out) {
        int block = blockRows(batch * heads, lq, lk);
        int blocksPerHead = (lq + block - 1) / block;
        int tasks = batch * heads * blocksPerHead;
        Parallel.forRange(tasks, 1, (from, to) -> {
            float[] scores = null;
            PackedHeadAttention packed = null;
            for (int t = from; t < to; t++) {
                int bh = t / blocksPerHead, b = bh / heads, h = bh % heads;
                int i0 = (t % blocksPerHead) * block, rows = Math.min(block, lq - i0);
                if (PackedHeadAttention.handles(rows, lk, d, dv)) {
                    // Kᵀ and V packed once per head for all of its blocks in this range
                    if (packed == null) packed = new PackedHeadAttention(Math.min(block, lq), lk, d, dv, false);
                    packed.packHead(bh, k, v, b, h);
                    int biasAt = bias == null ? 0 : bias.offset() + b * bias.sb() + h * bias.sh() + i0 * bias.si();
                    packed.forwardBlock(q.data(), q.at(b, h) + i0 * q.ld(), q.ld(), rows, bias, biasAt, scale, out.data(),
                            out.at(b, h) + i0 * out.ld(), out.ld());
                    continue;
                }
                if (scores == null) scores = new float[Math.min(block, lq) * Math.max(lk, 1)];
                probabilities(q.data(), q.at(b, h) + i0 * q.ld(), q.ld(), k, b, h, rows, lk, d, bias, i0, scale, scores);
                Sgemm.sgemm(false, false, rows, dv, lk, 1f, scores, 0, lk, v.data(), v.at(b, h), v.ld(), 0f,
                        out.data(), out.at(b, h) + i0 * out.ld(), out.ld());
            }
        });
    }

    /**
     * Gradients of {@link #forward} with respect to q, k and v (null where not wanted), recomputing the
     * probabilities block by block instead of keeping them: per block of query rows, P = softmax(scale·Q·Kᵀ + bias),
     * dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = scale·dS·K, dK += scale·dSᵀ·Q. Heads run in
     * parallel and the blocks of one head in sequence (dK and dV accumulate over them). Results are contiguous
     * [B, H, L, ·] arrays.
     */
    public static void backward(int batch, int heads, int lq, int lk, int d, int dv, Matrices q, Matrices k, Matrices v,
                                Bias bias, float scale, Matrices gradOut, float[] dq, float[] dk, float[] dvOut) {
        int block = budgetRows(lq, lk);
        boolean wantScores = dq != null || dk != null;
        Parallel.forRange(batch * heads, 1, (from, to) -> {
            int maxRows = Math.min(block, lq);
            float[] p = new float[maxRows * lk], ds = wantScores ? new float[maxRows * lk] : null;
            PackedHeadAttention packed = null;
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads, h = bh % heads;
                for (int i0 = 0; i0 < lq; i0 += block) {
                    int rows = Math.min(block, lq - i0);
                    int qAt = q.at(b, h) + i0 * q.ld(), gAt = gradOut.at(b, h) + i0 * gradOut.ld();
                    if (PackedHeadAttention.handles(rows, lk, d, dv)) {
                        // Kᵀ, V, Vᵀ and K packed once per head; the transposed products (dV, dK) stay on Sgemm
                        if (packed == null) packed = new PackedHeadAttention(Math.min(block, lq), lk, d, dv, true);
                        packed.packHead(bh, k, v, b, h);
                        int biasAt = bias == null ? 0 : bias.offset() + b * bias.sb() + h * bias.sh() + i0 * bias.si();
                        packed.probabilities(q.data(), qAt, q.ld(), rows, bias, biasAt, scale);
                        float[] pp = packed.scores();
                        int ld = packed.ld();
                        if (dvOut != null)
                            Sgemm.sgemm(true, false, lk, dv, rows, 1f, pp, 0, ld, gradOut.data(), gAt, gradOut.ld(),
                                    i0 == 0 ? 0f : 1f, dvOut, bh * lk * dv, dv);
                        if (!wantScores) continue;
                        packed.scoreGradient(gradOut.data(), gAt, gradOut.ld(), rows);
                        float[] dss = packed.scoreGradients();
                        for (int r = 0; r < rows; r++) AttentionSoftmax.backwardInPlace(pp, dss, r * ld, lk);
                        if (dq != null) packed.queryGradient(rows, scale, dq, (bh * lq + i0) * d, d);
                        if (dk != null)
                            Sgemm.sgemm(true, false, lk, d, rows, scale, dss, 0, ld, q.data(), qAt, q.ld(),
                                    i0 == 0 ? 0f : 1f, dk, bh * lk * d, d);
                        continue;
                    }
                    probabilities(q.data(), qAt, q.ld(), k, b, h, rows, lk, d, bias, i0, scale, p);
                    if (dvOut != null)
                        Sgemm.sgemm(true, false, lk, dv, rows, 1f, p, 0, lk, gradOut.data(), gAt, gradOut.ld(),
                                i0 == 0 ? 0f : 1f, dvOut, bh * lk * dv, dv);
                    if (!wantScores) continue;
                    Sgemm.sgemm(false, true, rows, lk, dv, 1f, gradOut.data(), gAt, gradOut.ld(), v.data(), v.at(b, h),
                            v.ld(), 0f, ds, 0, lk);
                    for (int r = 0; r < rows; r++) AttentionSoftmax.backwardInPlace(p, ds, r * lk, lk);
                    if (dq != null)
                        Sgemm.sgemm(false, false, rows, d, lk, scale, ds, 0, lk, k.data(), k.at(b, h), k.ld(), 0f,
                                dq, (bh * lq + i0) * d, d);
                    if (dk != null)
                        Sgemm.sgemm(true, false, lk, d, rows, scale, ds, 0, lk, q.data(), qAt, q.ld(),
                                i0 == 0 ? 0f : 1f, dk, bh * lk * d, d);
                }
            }
        });
    }

    /** p[rows, lk] = softmax(scale·q_rows·kᵀ + bias) for query rows i0.. of head (b, h). */
    private static void probabilities(float[] qData, int qAt, int ldq, Matrices k, int b, int h, int rows, int lk, int d,
                                      Bias bias, int i0, float scale, float[] p) {
        Sgemm.sgemm(false, true, rows, lk, d, 1f, qData, qAt, ldq, k.data(), k.at(b, h), k.ld(), 0f, p, 0, lk);
        for (int r = 0; r < rows; r++) {
            if (bias == null) {
                AttentionSoftmax.scaleBiasSoftmax(p, r * lk, lk, scale, null, 0, 0);
            } else {
                int at = bias.offset() + b * bias.sb() + h * bias.sh() + (i0 + r) * bias.si();
                AttentionSoftmax.scaleBiasSoftmax(p, r * lk, lk, scale, bias.data(), at, bias.sj());
            }
        }
    }

    /** Rows per block within the score budget. */
    private static int budgetRows(int lq, int lk) {
        int block = Math.clamp(SCORE_BUDGET / Math.max(lk, 1), MIN_BLOCK, MAX_BLOCK);
        return Math.max(1, Math.min(block, lq));
    }

    /** Rows per block: within the score budget, small enough to give every worker a few blocks. */
    static int blockRows(int matrices, int lq, int lk) {
        int block = Math.clamp(SCORE_BUDGET / Math.max(lk, 1), MIN_BLOCK, MAX_BLOCK);
        int wanted = 2 * Parallel.threads();
        while (block > MIN_BLOCK && (long) matrices * ((lq + block - 1) / block) < wanted) block /= 2;
        return Math.max(1, Math.min(block, lq));
    }
}
