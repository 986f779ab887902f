package zest.engine.cpu;

import static zest.engine.cpu.GemmMicroKernel.MR;
import static zest.engine.cpu.GemmMicroKernel.NR;

/**
 * The cache-blocked GEMM loop nest (Goto/BLIS order): for each NC-wide column block and KC-deep slice of k,
 * B is packed once into micro-panels (kept in L3 and shared by all threads), then threads take MC-row blocks
 * of A (kept in L2) and sweep the micro-kernel over them.
 *
 * <p>Both operands arrive through packers ({@link GemmAPanels}, {@link GemmBPanels}), so convolutions can feed
 * image patches and rearranged filters straight into the packed blocks.
 */
final class BlockedGemm {
    /*
     * Block sizes, chosen by measurement on Zen 5 (48 KB L1, 1 MB L2 per core). Every k slice costs a pass that
     * reads and writes all of C, so slices are long (KC = 1024): the kernel then streams its B micro-panel
     * (KC × NR floats, 128 KB) from L2 rather than L1, which L2 bandwidth covers, and C traffic drops 4× against
     * an L1-sized KC = 256 (measured 5–15 % faster on 1024³–2048³ and SD conv shapes).
     */
    /** Depth of a k slice. */
    static final int KC = 1024;
    /** Rows of an A block: MC × KC floats (480 KB) stay in L2 while the B micro-panels sweep past. */
    static final int MC_MAX = 20 * MR;
    /** Columns of a B block: KC × NC floats (4 MB at NR = 32), shared by all threads from L3. */
    static final int NC = 32 * NR;

    private static final ScratchPool PACKED_B = new ScratchPool(KC * NC, 4);
    private static final ScratchPool PACKED_A = new ScratchPool(KC * MC_MAX, 16);

    private BlockedGemm() {}

    /**
     * C = alpha·A·B + beta·C for m, n, k ≥ 1 (beta == 0 ignores C). Uses the shared pool when parallel is true.
     */
    static void multiply(int m, int n, int k, float alpha, GemmAPanels a, GemmBPanels b, float beta, float[] c,
                         int cOff, int ldc, boolean parallel) {
        int threads = parallel ? Parallel.threads() : 1;
        int mc = blockRows(m, threads);
        int icBlocks = ceilDiv(m, mc);
        float[] packedB = PACKED_B.take();
        try {
            // equal slices rather than full ones plus a sliver: k = 320 runs as 2×160, not 256 + 64
            int ncStep = roundUp(ceilDiv(n, ceilDiv(n, NC)), NR), kcStep = ceilDiv(k, ceilDiv(k, KC));
            for (int jc = 0; jc < n; jc += ncStep) {
                int nc = Math.min(ncStep, n - jc);
                int panels = ceilDiv(nc, NR);
                // too few row blocks to feed every thread: also split the column panels
                int colSplit = threads == 1 || icBlocks >= 2 * threads ? 1 : Math.min(panels, ceilDiv(2 * threads, icBlocks));
                for (int pc = 0; pc < k; pc += kcStep) {
                    int kc = Math.min(kcStep, k - pc);
                    float betaNow = pc == 0 ? beta : 1f;
                    SharedPanels slice = new SharedPanels(b, packedB, pc, kc, jc, nc);
                    int tasks = icBlocks * colSplit;
                    final int fpc = pc;
                    java.util.function.IntConsumer task = t -> {
                        int ib = t / colSplit, part = t % colSplit;
                        int i0 = ib * mc;
                        int from = panels * part / colSplit, to = panels * (part + 1) / colSplit;
                        // row blocks sharing these panels start their sweeps spread out, to pack different panels
                        int stagger = to > from ? ib * (to - from) / icBlocks : 0;
                        computeBlock(i0, Math.min(mc, m - i0), from, to, stagger, fpc, kc, alpha, a, slice, betaNow,
                                c, cOff, ldc);
                    };
                    if (tasks == 1 || threads == 1) {
                        for (int t = 0; t < tasks; t++) task.accept(t);
                    } else {
                        Parallel.parallelFor(tasks, task);
                    }
                }
            }
        } finally {
            PACKED_B.give(packedB);
        }
    }

    /** Rows per A block: at most MC_MAX, and small enough that every thread gets a block when m allows. */
    private static int blockRows(int m, int threads) {
        int blocks = Math.max(ceilDiv(m, MC_MAX), Math.min(threads, ceilDiv(m, MR)));
        if (threads > 1 && blocks > threads) blocks = ceilDiv(blocks, threads) * threads; // even shares
        return Math.min(MC_MAX, roundUp(ceilDiv(m, blocks), MR));
    }

    /** One task: rows [i0, i0+mc) of C against B micro-panels [panelFrom, panelTo), sweep starting stagger in. */
    private static void computeBlock(int i0, int mc, int panelFrom, int panelTo, int stagger, int pc, int kc,
                                     float alpha, GemmAPanels a, SharedPanels b, float beta, float[] c, int cOff,
                                     int ldc) {
        int count = panelTo - panelFrom;
        if (count <= 0) return;
        float[] packedA = PACKED_A.take();
        float[] tile = new float[MR * NR];
        boolean direct = alpha == 1f && (beta == 0f || beta == 1f); // the kernel can write C itself
        try {
            a.pack(i0, mc, pc, kc, packedA);
            java.util.Arrays.fill(packedA, mc * kc, roundUp(mc, MR) * kc, 0f); // rows of the last partial tile
            for (int q = 0; q < count; q++) {
                int jp = panelFrom + (stagger + q) % count;
                int bOff = b.panel(jp);
                int j = b.column(jp);
                int nr = b.width(jp);
                for (int ir = 0; ir < mc; ir += MR) {
                    int mr = Math.min(MR, mc - ir), cTile = cOff + (i0 + ir) * ldc + j;
                    if (direct && mr == MR && nr == NR) {
                        GemmMicroKernel.multiply(kc, packedA, ir * kc, kc, 1, b.buffer(), bOff, c, cTile, ldc, beta == 1f);
                    } else {
                        GemmMicroKernel.multiply(kc, packedA, ir * kc, kc, 1, b.buffer(), bOff, tile, 0, NR, false);
                        GemmMicroKernel.mergeTile(tile, mr, nr, alpha, beta, c, cTile, ldc);
                    }
                }
            }
        } finally {
            PACKED_A.give(packedA);
        }
    }

    static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    static int roundUp(int a, int b) { return ceilDiv(a, b) * b; }
}
