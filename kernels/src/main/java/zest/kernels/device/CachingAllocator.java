package zest.kernels.device;

import java.lang.ref.Cleaner;
import zest.kernels.cuda.CudaDriver;
import zest.kernels.cuda.CudaException;

/**
 * Device memory for one context: a {@link BlockCache} over cuMemAlloc/cuMemFree. Buffers nobody references any
 * more come back through a {@link Cleaner}; since the GC does not see device memory, an out-of-memory that the
 * cache cannot cover runs a GC, waits briefly for the cleaner, and tries once more before failing with the
 * allocator's figures. Blocks are reused only by later work on the context's single stream, so stream order
 * makes reuse safe.
 */
public final class CachingAllocator {
    private static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaContext context;
    private final BlockCache cache;

    CachingAllocator(CudaContext context) {
        this.context = context;
        this.cache = new BlockCache(new BlockCache.RawAllocator() {
            @Override public long allocate(long bytes) { context.makeCurrent(); return CudaDriver.memAlloc(bytes); }
            @Override public void free(long address, long bytes) { context.makeCurrent(); CudaDriver.memFree(address); }
        }, CachingAllocator::isOutOfMemory);
    }

    static boolean isOutOfMemory(RuntimeException e) {
        return e instanceof CudaException c && c.code() == CUDA_ERROR_OUT_OF_MEMORY;
    }

    /** A buffer of {@code bytes}, given back to the cache when {@code owner} becomes unreachable or on close. */
    public DeviceBuffer allocate(long bytes, Object owner) {
        long address;
        try {
            address = cache.acquire(bytes);
        } catch (RuntimeException e) {
            if (!isOutOfMemory(e)) throw e;
            System.gc();
            try { Thread.sleep(100); } catch (InterruptedException ie) { Thread.currentThread().interrupt(); }
            cache.trim();
            try {
                address = cache.acquire(bytes);
            } catch (RuntimeException again) {
                throw new CudaException("out of device memory on " + context + " allocating " + bytes + " bytes: "
                        + cache.liveBytes() + " bytes in use by live tensors, " + cache.cachedBytes() + " cached", again);
            }
        }
        DeviceBuffer buffer = new DeviceBuffer(context, address, bytes);
        Cleaner.Cleanable cleanable = CLEANER.register(owner == null ? buffer : owner, new Release(cache, address, bytes));
        buffer.onClose(cleanable::clean);
        return buffer;
    }

    public long liveBytes() { return cache.liveBytes(); }

    public long cachedBytes() { return cache.cachedBytes(); }

    /** Frees the cached blocks back to the driver. */
    public long trim() { return cache.trim(); }

    /** The cleaner action: must not reference the buffer or its owner. */
    private record Release(BlockCache cache, long address, long bytes) implements Runnable {
        @Override public void run() { cache.release(address, bytes); }
    }
}
