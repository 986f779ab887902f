package zest.engine.cpu;

import static zest.engine.cpu.GemmMicroKernel.MR;
import static zest.engine.cpu.GemmMicroKernel.NR;

/**
 * The forward of {@link AttentionKernels} for one head's blocks of query rows, with that head's Kᵀ and V packed
 * into GEMM micro-panels once and reused by every block. Through {@link Sgemm} each block re-packed all of K and
 * V (at SD's 64×64 self-attention, 4096 × 40 floats each, for 64 query rows), which cost about as much as the
 * block's arithmetic.
 *
 * <p>The products run the same micro-kernel calls in the same order as {@link BlockedGemm} would (one k slice of
 * depth d for Q·Kᵀ; for P·V, k slices of {@link BlockedGemm#KC} or less, each added to the previous ones; partial
 * tiles through a scratch tile and {@link GemmMicroKernel#mergeTile}), so every output has the same bits. P is read
 * in place from the score buffer, whose rows are padded off a power-of-two stride.
 */
final class PackedHeadAttention {
    private final int lk, d, dv, kcStep;
    private final float[] packedK, packedV, scores, packedQ, tile = new float[MR * NR];
    private final int ldS;
    private int packedHead = -1;

    PackedHeadAttention(int maxRows, int lk, int d, int dv) {
        this.lk = lk;
        this.d = d;
        this.dv = dv;
        this.kcStep = BlockedGemm.ceilDiv(lk, BlockedGemm.ceilDiv(lk, BlockedGemm.KC));
        this.packedK = new float[d * BlockedGemm.roundUp(lk, NR)];
        this.packedV = new float[lk * BlockedGemm.roundUp(dv, NR)];
        this.ldS = (lk & (lk - 1)) == 0 ? lk + 16 : lk;
        int rows = BlockedGemm.roundUp(maxRows, MR);
        this.scores = new float[rows * ldS];
        this.packedQ = new float[rows * d];
    }

    /** Whether a block of {@code rows} query rows goes this way with the bits of {@link Sgemm} (its small-product cut-offs). */
    static boolean handles(int rows, int lk, int d, int dv) {
        return d <= BlockedGemm.KC && rows > 1 && (long) rows * lk * d > Sgemm.SMALL_WORK && (long) rows * dv * lk > Sgemm.SMALL_WORK;
    }

    /** Packs head (b, h)'s Kᵀ and V unless they are the ones packed last. */
    void packHead(int head, AttentionKernels.Matrices k, AttentionKernels.Matrices v, int b, int h) {
        if (head == packedHead) return;
        new MatrixBPanels(true, k.data(), k.at(b, h), k.ld()).pack(0, d, 0, lk, packedK, 0);
        for (int pc = 0; pc < lk; pc += kcStep) {
            int kc = Math.min(kcStep, lk - pc);
            new MatrixBPanels(false, v.data(), v.at(b, h), v.ld()).pack(pc, kc, 0, dv, packedV, pc * BlockedGemm.roundUp(dv, NR));
        }
        packedHead = head;
    }

    /** out rows = softmax(scale·Q_rows·Kᵀ + bias)·V for the packed head; q rows start at qAt, ld apart. */
    void block(float[] q, int qAt, int ldq, int rows, AttentionKernels.Bias bias, int biasAt, float scale, float[] out,
               int outAt, int ldo) {
        for (int r = 0; r < rows; r++) System.arraycopy(q, qAt + r * ldq, packedQ, r * d, d);
        java.util.Arrays.fill(packedQ, rows * d, BlockedGemm.roundUp(rows, MR) * d, 0f);
        // scores = Q·Kᵀ: one slice of depth d, written (beta 0)
        for (int jp = 0, panels = BlockedGemm.ceilDiv(lk, NR); jp < panels; jp++) {
            int nr = Math.min(NR, lk - jp * NR);
            for (int ir = 0; ir < rows; ir += MR) {
                int mr = Math.min(MR, rows - ir), c = ir * ldS + jp * NR;
                if (mr == MR && nr == NR) {
                    GemmMicroKernel.multiply(d, packedQ, ir * d, d, 1, packedK, jp * d * NR, scores, c, ldS, false);
                } else {
                    GemmMicroKernel.multiply(d, packedQ, ir * d, d, 1, packedK, jp * d * NR, tile, 0, NR, false);
                    GemmMicroKernel.mergeTile(tile, mr, nr, 1f, 0f, scores, c, ldS);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            if (bias == null) AttentionSoftmax.scaleBiasSoftmax(scores, r * ldS, lk, scale, null, 0, 0);
            else AttentionSoftmax.scaleBiasSoftmax(scores, r * ldS, lk, scale, bias.data(), biasAt + r * bias.si(), bias.sj());
        }
        // the last tile's rows past `rows` are read by the kernel and dropped by mergeTile: keep them finite
        java.util.Arrays.fill(scores, rows * ldS, BlockedGemm.roundUp(rows, MR) * ldS, 0f);
        // out = P·V: k slices in order, the first written, the rest added
        int vWidth = BlockedGemm.roundUp(dv, NR);
        for (int pc = 0; pc < lk; pc += kcStep) {
            int kc = Math.min(kcStep, lk - pc);
            boolean first = pc == 0;
            for (int jp = 0, panels = BlockedGemm.ceilDiv(dv, NR); jp < panels; jp++) {
                int nr = Math.min(NR, dv - jp * NR), bOff = pc * vWidth + jp * kc * NR;
                for (int ir = 0; ir < rows; ir += MR) {
                    int mr = Math.min(MR, rows - ir), c = outAt + ir * ldo + jp * NR;
                    if (mr == MR && nr == NR) {
                        GemmMicroKernel.multiply(kc, scores, ir * ldS + pc, ldS, 1, packedV, bOff, out, c, ldo, !first);
                    } else {
                        GemmMicroKernel.multiply(kc, scores, ir * ldS + pc, ldS, 1, packedV, bOff, tile, 0, NR, false);
                        GemmMicroKernel.mergeTile(tile, mr, nr, 1f, first ? 0f : 1f, out, c, ldo);
                    }
                }
            }
        }
    }
}
