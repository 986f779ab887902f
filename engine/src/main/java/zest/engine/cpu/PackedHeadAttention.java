package zest.engine.cpu;

import static zest.engine.cpu.GemmMicroKernel.MR;
import static zest.engine.cpu.GemmMicroKernel.NR;

/**
 * {@link AttentionKernels}' blocks of query rows for one head at a time, with the head's Kᵀ and V (and, for the
 * backward, Vᵀ and K) packed into GEMM micro-panels once and reused by every block. Through {@link Sgemm} each
 * block re-packed all of them (at SD's 64×64 self-attention, 4096 × 40 floats each, for 64 query rows), which cost
 * about as much as the block's arithmetic.
 *
 * <p>The products run the same micro-kernel calls in the same order as {@link BlockedGemm} would (one k slice of
 * depth d for Q·Kᵀ and dO·Vᵀ; for P·V and dS·K, k slices of {@link BlockedGemm#KC} or less, each added to the
 * previous ones; partial tiles and alpha ≠ 1 through a scratch tile and {@link GemmMicroKernel#mergeTile}), so every
 * output has the same bits. P and dS are read in place from their buffers, whose rows are padded off a
 * power-of-two stride.
 */
final class PackedHeadAttention {
    private final int lk, d, dv, kcStep, ldS;
    private final float[] packedKt, packedV, scores, packedRows, tile = new float[MR * NR];
    private float[] packedVt, packedK, dScores; // backward only
    private int packedHead = -1;

    PackedHeadAttention(int maxRows, int lk, int d, int dv, boolean backward) {
        this.lk = lk;
        this.d = d;
        this.dv = dv;
        this.kcStep = BlockedGemm.ceilDiv(lk, BlockedGemm.ceilDiv(lk, BlockedGemm.KC));
        this.packedKt = new float[d * BlockedGemm.roundUp(lk, NR)];
        this.packedV = new float[lk * BlockedGemm.roundUp(dv, NR)];
        this.ldS = (lk & (lk - 1)) == 0 ? lk + 16 : lk;
        int rows = BlockedGemm.roundUp(maxRows, MR);
        this.scores = new float[rows * ldS];
        this.packedRows = new float[rows * Math.max(d, dv)];
        if (backward) {
            packedVt = new float[dv * BlockedGemm.roundUp(lk, NR)];
            packedK = new float[lk * BlockedGemm.roundUp(d, NR)];
            dScores = new float[rows * ldS];
        }
    }

    /**
     * Whether blocks of {@code rows} query rows go this way with the bits of {@link Sgemm}: every product of the
     * forward and backward is past Sgemm's small-product cut-offs (which take another summation order).
     */
    static boolean handles(int rows, int lk, int d, int dv) {
        return d <= BlockedGemm.KC && dv <= BlockedGemm.KC && rows > 1 && lk > 1
                && (long) rows * lk * Math.min(d, dv) > Sgemm.SMALL_WORK;
    }

    /** The probabilities of the last {@link #probabilities} call: row r at {@code r·ld()}. */
    float[] scores() { return scores; }

    /** The score-gradient buffer of {@link #scoreGradient}: row r at {@code r·ld()}. */
    float[] scoreGradients() { return dScores; }

    int ld() { return ldS; }

    /** Packs head (b, h)'s operands unless they are the ones packed last. */
    void packHead(int head, AttentionKernels.Matrices k, AttentionKernels.Matrices v, int b, int h) {
        if (head == packedHead) return;
        new MatrixBPanels(true, k.data(), k.at(b, h), k.ld()).pack(0, d, 0, lk, packedKt, 0);
        packSliced(v, b, h, dv, packedV);
        if (dScores != null) {
            new MatrixBPanels(true, v.data(), v.at(b, h), v.ld()).pack(0, dv, 0, lk, packedVt, 0);
            packSliced(k, b, h, d, packedK);
        }
        packedHead = head;
    }

    /** m [lk, width] as B panels in the k slices of a product over lk. */
    private void packSliced(AttentionKernels.Matrices m, int b, int h, int width, float[] dst) {
        for (int pc = 0; pc < lk; pc += kcStep) {
            int kc = Math.min(kcStep, lk - pc);
            new MatrixBPanels(false, m.data(), m.at(b, h), m.ld()).pack(pc, kc, 0, width, dst, pc * BlockedGemm.roundUp(width, NR));
        }
    }

    /** out rows = softmax(scale·Q_rows·Kᵀ + bias)·V for the packed head; q rows start at qAt, ldq apart. */
    void forwardBlock(float[] q, int qAt, int ldq, int rows, AttentionKernels.Bias bias, int biasAt, float scale,
                      float[] out, int outAt, int ldo) {
        probabilities(q, qAt, ldq, rows, bias, biasAt, scale);
        sliced(scores, rows, packedV, dv, 1f, out, outAt, ldo);
    }

    /** scores rows = softmax(scale·Q_rows·Kᵀ + bias); the padding rows of the last tile are zero. */
    void probabilities(float[] q, int qAt, int ldq, int rows, AttentionKernels.Bias bias, int biasAt, float scale) {
        oneSlice(q, qAt, ldq, rows, d, packedKt, scores);
        for (int r = 0; r < rows; r++) {
            if (bias == null) AttentionSoftmax.scaleBiasSoftmax(scores, r * ldS, lk, scale, null, 0, 0);
            else AttentionSoftmax.scaleBiasSoftmax(scores, r * ldS, lk, scale, bias.data(), biasAt + r * bias.si(), bias.sj());
        }
        java.util.Arrays.fill(scores, rows * ldS, BlockedGemm.roundUp(rows, MR) * ldS, 0f);
    }

    /** dScores rows = dO_rows·Vᵀ (the gradient of the probabilities); padding rows zero. */
    void scoreGradient(float[] gradOut, int gAt, int ldg, int rows) {
        oneSlice(gradOut, gAt, ldg, rows, dv, packedVt, dScores);
        java.util.Arrays.fill(dScores, rows * ldS, BlockedGemm.roundUp(rows, MR) * ldS, 0f);
    }

    /** dq rows = scale·dS·K, for dS in {@link #scoreGradients()} (already through the softmax backward). */
    void queryGradient(int rows, float scale, float[] dq, int dqAt, int ldq) {
        sliced(dScores, rows, packedK, d, scale, dq, dqAt, ldq);
    }

    /** c[rows, lk] (ld ldS) = A_rows · (panels over lk), one k slice of the given depth, written (beta 0). */
    private void oneSlice(float[] a, int aAt, int lda, int rows, int depth, float[] panels, float[] c) {
        for (int r = 0; r < rows; r++) System.arraycopy(a, aAt + r * lda, packedRows, r * depth, depth);
        java.util.Arrays.fill(packedRows, rows * depth, BlockedGemm.roundUp(rows, MR) * depth, 0f);
        for (int jp = 0, panels1 = BlockedGemm.ceilDiv(lk, NR); jp < panels1; jp++) {
            int nr = Math.min(NR, lk - jp * NR);
            for (int ir = 0; ir < rows; ir += MR) {
                int mr = Math.min(MR, rows - ir), at = ir * ldS + jp * NR;
                if (mr == MR && nr == NR) {
                    GemmMicroKernel.multiply(depth, packedRows, ir * depth, depth, 1, panels, jp * depth * NR, c, at, ldS, false);
                } else {
                    GemmMicroKernel.multiply(depth, packedRows, ir * depth, depth, 1, panels, jp * depth * NR, tile, 0, NR, false);
                    GemmMicroKernel.mergeTile(tile, mr, nr, 1f, 0f, c, at, ldS);
                }
            }
        }
    }

    /** out rows = alpha·A·B for A [rows, lk] read in place (ld ldS), B [lk, width] in sliced panels; k slices in order. */
    private void sliced(float[] a, int rows, float[] panels, int width, float alpha, float[] out, int outAt, int ldo) {
        int panelWidth = BlockedGemm.roundUp(width, NR);
        for (int pc = 0; pc < lk; pc += kcStep) {
            int kc = Math.min(kcStep, lk - pc);
            float beta = pc == 0 ? 0f : 1f;
            boolean direct = alpha == 1f;
            for (int jp = 0, n = BlockedGemm.ceilDiv(width, NR); jp < n; jp++) {
                int nr = Math.min(NR, width - jp * NR), bOff = pc * panelWidth + jp * kc * NR;
                for (int ir = 0; ir < rows; ir += MR) {
                    int mr = Math.min(MR, rows - ir), c = outAt + ir * ldo + jp * NR;
                    if (direct && mr == MR && nr == NR) {
                        GemmMicroKernel.multiply(kc, a, ir * ldS + pc, ldS, 1, panels, bOff, out, c, ldo, beta == 1f);
                    } else {
                        GemmMicroKernel.multiply(kc, a, ir * ldS + pc, ldS, 1, panels, bOff, tile, 0, NR, false);
                        GemmMicroKernel.mergeTile(tile, mr, nr, alpha, beta, out, c, ldo);
                    }
                }
            }
        }
    }
}
