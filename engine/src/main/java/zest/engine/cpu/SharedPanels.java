package zest.engine.cpu;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static zest.engine.cpu.GemmMicroKernel.NR;

/**
 * One KC × NC block of packed B, shared by all tasks of a k slice. Each micro-panel is packed by the first task
 * that needs it, so packing spreads over the threads and overlaps the arithmetic instead of being a separate
 * phase with its own barrier; a task that arrives while another is packing the panel waits for it.
 */
final class SharedPanels {
    private static final int EMPTY = 0, PACKING = 1, READY = 2, FAILED = 3;

    private final GemmBPanels source;
    private final float[] buffer;
    private final int pc, kc, jc, nc;
    private final AtomicIntegerArray state;

    SharedPanels(GemmBPanels source, float[] buffer, int pc, int kc, int jc, int nc) {
        this.source = source;
        this.buffer = buffer;
        this.pc = pc;
        this.kc = kc;
        this.jc = jc;
        this.nc = nc;
        this.state = new AtomicIntegerArray(BlockedGemm.ceilDiv(nc, NR));
    }

    int panels() { return state.length(); }

    float[] buffer() { return buffer; }

    /** First column of C that micro-panel jp covers. */
    int column(int jp) { return jc + jp * NR; }

    /** Columns of micro-panel jp that lie inside the block (NR except for the last panel). */
    int width(int jp) { return Math.min(NR, nc - jp * NR); }

    /** Offset of micro-panel jp in {@link #buffer()}, packing it first if no task has. */
    int panel(int jp) {
        int off = jp * kc * NR;
        int s = state.get(jp);
        if (s == READY) return off;
        if (s == EMPTY && state.compareAndSet(jp, EMPTY, PACKING)) {
            try {
                source.pack(pc, kc, jc + jp * NR, Math.min(NR, nc - jp * NR), buffer, off);
            } catch (RuntimeException | Error e) {
                state.set(jp, FAILED);
                throw e;
            }
            state.set(jp, READY); // volatile write: the packed floats are visible to every later reader
            return off;
        }
        for (int spins = 0; (s = state.get(jp)) == PACKING; spins++) {
            if (spins < 1000) Thread.onSpinWait();
            else Thread.yield(); // the packing thread may have been descheduled
        }
        if (s == FAILED) throw new IllegalStateException("packing B panel " + jp + " failed in another task");
        return off;
    }
}
