package zest.engine.cpu;

import static zest.engine.cpu.GemmMicroKernel.MR;
import static zest.engine.cpu.GemmMicroKernel.NR;

/**
 * The cache-blocked GEMM loop nest (Goto/BLIS order): for each NC-wide column block and KC-deep slice of k,
 * B is packed once into micro-panels (kept in L2/L3 and shared by all threads), then threads take MC-row blocks
 * of A (kept in L2) and sweep the micro-kernel over them. KC × NR of packed B (32 KB) stays in L1 per tile row.
 *
 * <p>A is a strided matrix: A(i, p) = a[aOff + i*aRowStride + p*aColStride]. When its rows are contiguous
 * (aColStride == 1) full micro-panels are read in place; packing would only copy them.
 */
final class BlockedGemm {
    static final int KC = 256;
    static final int MC_MAX = 80 * MR;
    static final int NC = 128 * NR;

    private static final ScratchPool PACKED_B = new ScratchPool(KC * NC, 4);
    private static final ScratchPool PACKED_A = new ScratchPool(KC * MC_MAX, 16);

    private BlockedGemm() {}

    /**
     * C = alpha·A·B + beta·C for m, n, k ≥ 1 (beta == 0 ignores C). Uses the shared pool when parallel is true.
     */
    static void multiply(int m, int n, int k, float alpha, float[] a, int aOff, int aRowStride, int aColStride,
                         GemmBPanels b, float beta, float[] c, int cOff, int ldc, boolean parallel) {
        if (OWNED) {
            multiplyOwned(m, n, k, alpha, a, aOff, aRowStride, aColStride, b, beta, c, cOff, ldc, parallel);
            return;
        }
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
                    packB(b, pc, kc, jc, nc, packedB, threads);
                    int tasks = icBlocks * colSplit;
                    final int fjc = jc, fpc = pc;
                    java.util.function.IntConsumer task = t -> {
                        int ib = t / colSplit, part = t % colSplit;
                        int i0 = ib * mc;
                        computeBlock(i0, Math.min(mc, m - i0), fjc, nc, panels * part / colSplit,
                                panels * (part + 1) / colSplit, fpc, kc, alpha, a, aOff, aRowStride, aColStride,
                                packedB, betaNow, c, cOff, ldc);
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

    static boolean OWNED = Boolean.getBoolean("zest.gemm.owned"); // TEMP experiment switch

    /**
     * Alternative schedule: every task owns a rectangle of C (a run of column panels × a run of rows) and runs
     * the whole k loop on it with its own packed B, so the only synchronisation is the final join.
     */
    static void multiplyOwned(int m, int n, int k, float alpha, float[] a, int aOff, int aRowStride, int aColStride,
                              GemmBPanels b, float beta, float[] c, int cOff, int ldc, boolean parallel) {
        int threads = parallel ? Parallel.threads() : 1;
        int panels = ceilDiv(n, NR);
        int maxPanels = NC / NR;
        int colTasks = Math.max(ceilDiv(panels, maxPanels), Math.min(threads == 1 ? 1 : 4 * threads, panels / 4));
        colTasks = Math.max(1, Math.min(colTasks, panels));
        int rowGroups = ceilDiv(m, MR);
        int rowTasks = colTasks >= 2 * threads || threads == 1 ? 1 : Math.min(rowGroups, ceilDiv(2 * threads, colTasks));
        int tasks = colTasks * rowTasks;
        int kcStep = ceilDiv(k, ceilDiv(k, KC));
        final int ct = colTasks, rt = rowTasks;
        java.util.function.IntConsumer task = t -> {
            int cp = t % ct, rp = t / ct;
            int j0 = panels * cp / ct * NR, j1 = Math.min(n, panels * (cp + 1) / ct * NR);
            int i0 = rowGroups * rp / rt * MR, i1 = Math.min(m, rowGroups * (rp + 1) / rt * MR);
            if (j0 >= j1 || i0 >= i1) return;
            float[] packedB = PACKED_B.take();
            try {
                for (int pc = 0; pc < k; pc += kcStep) {
                    int kc = Math.min(kcStep, k - pc);
                    b.pack(pc, kc, j0, j1 - j0, packedB, 0);
                    for (int ic = i0; ic < i1; ic += MC_MAX) {
                        computeBlock(ic, Math.min(MC_MAX, i1 - ic), j0, j1 - j0, 0, ceilDiv(j1 - j0, NR), pc, kc,
                                alpha, a, aOff, aRowStride, aColStride, packedB, pc == 0 ? beta : 1f, c, cOff, ldc);
                    }
                }
            } finally {
                PACKED_B.give(packedB);
            }
        };
        if (tasks == 1) task.accept(0);
        else Parallel.parallelFor(tasks, task);
    }

    /** Rows per A block: at most MC_MAX, and small enough that every thread gets a block when m allows. */
    private static int blockRows(int m, int threads) {
        int blocks = Math.max(ceilDiv(m, MC_MAX), Math.min(threads, ceilDiv(m, MR)));
        if (threads > 1 && blocks > threads) blocks = ceilDiv(blocks, threads) * threads; // even shares
        return Math.min(MC_MAX, roundUp(ceilDiv(m, blocks), MR));
    }

    private static void packB(GemmBPanels b, int pc, int kc, int jc, int nc, float[] packedB, int threads) {
        int panels = ceilDiv(nc, NR);
        int grain = Math.max(1, (1 << 15) / (kc * NR)); // ≥ 32K floats per task, else scheduling dominates
        if (threads == 1 || panels <= grain) {
            b.pack(pc, kc, jc, nc, packedB, 0);
            return;
        }
        Parallel.forRange(panels, grain, (from, to) -> {
            int j0 = from * NR;
            b.pack(pc, kc, jc + j0, Math.min(nc, to * NR) - j0, packedB, from * kc * NR);
        });
    }

    /** One task: rows [i0, i0+mc) of C against packed B micro-panels [panelFrom, panelTo) of block jc. */
    private static void computeBlock(int i0, int mc, int jc, int nc, int panelFrom, int panelTo, int pc, int kc,
                                     float alpha, float[] a, int aOff, int aRowStride, int aColStride,
                                     float[] packedB, float beta, float[] c, int cOff, int ldc) {
        if (panelFrom >= panelTo) return;
        boolean inPlace = aColStride == 1;
        int fullRows = inPlace ? mc / MR * MR : 0; // rows read straight from A; the rest is packed
        float[] packedA = PACKED_A.take();
        float[] tile = new float[MR * NR];
        try {
            packA(a, aOff, aRowStride, aColStride, i0 + fullRows, mc - fullRows, pc, kc, packedA);
            for (int jp = panelFrom; jp < panelTo; jp++) {
                int j = jc + jp * NR;
                int nr = Math.min(NR, jc + nc - j);
                int bOff = jp * kc * NR;
                for (int ir = 0; ir < mc; ir += MR) {
                    int mr = Math.min(MR, mc - ir);
                    float[] aArr;
                    int ao, rs, cs;
                    if (ir < fullRows) {
                        aArr = a; ao = aOff + (i0 + ir) * aRowStride + pc; rs = aRowStride; cs = 1;
                    } else {
                        aArr = packedA; ao = (ir - fullRows) * kc; rs = 1; cs = MR;
                    }
                    GemmMicroKernel.multiply(kc, aArr, ao, rs, cs, packedB, bOff, tile);
                    GemmMicroKernel.mergeTile(tile, mr, nr, alpha, beta, c, cOff + (i0 + ir) * ldc + j, ldc);
                }
            }
        } finally {
            PACKED_A.give(packedA);
        }
    }

    /**
     * Packs rows [i0, i0+rows) × [p0, p0+kc) of A into MR-row micro-panels (element (r, p) of panel q at
     * dst[q*MR*kc + p*MR + r]), zero-filling rows past the end.
     */
    static void packA(float[] a, int aOff, int rowStride, int colStride, int i0, int rows, int p0, int kc,
                      float[] dst) {
        for (int q = 0; q * MR < rows; q++) {
            int base = q * MR * kc;
            int mr = Math.min(MR, rows - q * MR);
            int src = aOff + (i0 + q * MR) * rowStride + p0 * colStride;
            if (rowStride == 1) { // transposed A: the MR values for one p are adjacent
                for (int p = 0; p < kc; p++, src += colStride) {
                    int d = base + p * MR;
                    for (int r = 0; r < mr; r++) dst[d + r] = a[src + r];
                    for (int r = mr; r < MR; r++) dst[d + r] = 0f;
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    int s = src + r * rowStride;
                    if (r < mr) for (int p = 0; p < kc; p++) dst[base + p * MR + r] = a[s + p * colStride];
                    else for (int p = 0; p < kc; p++) dst[base + p * MR + r] = 0f;
                }
            }
        }
    }

    static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    static int roundUp(int a, int b) { return ceilDiv(a, b) * b; }
}
