package zest.kernels.device;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The bookkeeping of the caching device allocator, free of any driver call so it is tested on machines without a
 * GPU: requests are rounded up to size classes, released blocks wait in a free list per class and are handed out
 * again to the next request of that class. When the raw allocator reports out-of-memory, every cached block is
 * returned to it and the request retried once. Thread-safe (blocks come back from the GC's cleaner thread).
 */
public final class BlockCache {

    /** Where blocks come from and go back to (cuMemAlloc/cuMemFree for a GPU). */
    public interface RawAllocator {
        long allocate(long bytes);

        void free(long address, long bytes);
    }

    static final long MIN_BLOCK = 512;
    static final long SMALL_LIMIT = 1L << 20;
    static final long LARGE_GRANULE = 2L << 20;

    private final RawAllocator raw;
    private final Predicate<RuntimeException> isOutOfMemory;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private long cachedBytes;
    private long liveBytes;
    private long rawAllocations;

    public BlockCache(RawAllocator raw, Predicate<RuntimeException> isOutOfMemory) {
        this.raw = raw;
        this.isOutOfMemory = isOutOfMemory;
    }

    /** Requests up to 1 MiB round up to a multiple of 512 bytes, larger ones to a multiple of 2 MiB. */
    public static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation size " + bytes);
        long b = Math.max(bytes, 1);
        long granule = b <= SMALL_LIMIT ? MIN_BLOCK : LARGE_GRANULE;
        return Math.ceilDiv(b, granule) * granule;
    }

    /** A block of at least {@code bytes}; its size class is {@link #sizeClass}(bytes). */
    public synchronized long acquire(long bytes) {
        long cls = sizeClass(bytes);
        ArrayDeque<Long> list = free.get(cls);
        long address;
        if (list != null && !list.isEmpty()) {
            address = list.pop();
            cachedBytes -= cls;
        } else {
            address = allocateRaw(cls);
        }
        liveBytes += cls;
        return address;
    }

    /** Returns a block obtained for {@code bytes} to the free list of its class. */
    public synchronized void release(long address, long bytes) {
        long cls = sizeClass(bytes);
        free.computeIfAbsent(cls, k -> new ArrayDeque<>()).push(address);
        cachedBytes += cls;
        liveBytes -= cls;
    }

    /** Frees every cached block; returns the bytes given back. */
    public synchronized long trim() {
        long freed = 0;
        for (Map.Entry<Long, ArrayDeque<Long>> e : free.entrySet()) {
            for (long address : e.getValue()) {
                raw.free(address, e.getKey());
                freed += e.getKey();
            }
            e.getValue().clear();
        }
        cachedBytes -= freed;
        return freed;
    }

    public synchronized long cachedBytes() { return cachedBytes; }

    public synchronized long liveBytes() { return liveBytes; }

    /** How many blocks were taken from the raw allocator (cache misses). */
    public synchronized long rawAllocations() { return rawAllocations; }

    private long allocateRaw(long cls) {
        try {
            long a = raw.allocate(cls);
            rawAllocations++;
            return a;
        } catch (RuntimeException e) {
            if (!isOutOfMemory.test(e) || cachedBytes == 0) throw e;
            trim();
            long a = raw.allocate(cls);
            rawAllocations++;
            return a;
        }
    }
}
