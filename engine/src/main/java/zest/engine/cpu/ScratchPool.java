package zest.engine.cpu;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small recycling pool of fixed-size float buffers (packed GEMM blocks, im2col chunks). Kernels take a buffer
 * per call and give it back, so steady-state inference allocates nothing large, and re-entrant or concurrent
 * calls never share a buffer (unlike a ThreadLocal, which a work-stealing join could re-enter).
 */
final class ScratchPool {
    private final int length;
    private final int maxKept;
    private final ConcurrentLinkedQueue<float[]> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger kept = new AtomicInteger();

    ScratchPool(int length, int maxKept) {
        this.length = length;
        this.maxKept = maxKept;
    }

    int length() { return length; }

    /** A buffer of exactly {@link #length()} floats with arbitrary contents. */
    float[] take() {
        float[] buf = free.poll();
        if (buf == null) return new float[length];
        kept.decrementAndGet();
        return buf;
    }

    void give(float[] buf) {
        if (buf.length != length) throw new IllegalArgumentException("foreign buffer");
        if (kept.incrementAndGet() <= maxKept) free.offer(buf);
        else kept.decrementAndGet();
    }
}
