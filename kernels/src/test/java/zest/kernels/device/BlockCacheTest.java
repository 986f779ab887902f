package zest.kernels.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BlockCacheTest {

    static final class OutOfMemory extends RuntimeException {}

    /** A fake device: addresses count up, a capacity makes it run out. */
    static class FakeDevice implements BlockCache.RawAllocator {
        final long capacity;
        final Map<Long, Long> live = new HashMap<>();
        final List<Long> freed = new ArrayList<>();
        long next = 1 << 20, used;

        FakeDevice(long capacity) { this.capacity = capacity; }

        @Override public long allocate(long bytes) {
            if (used + bytes > capacity) throw new OutOfMemory();
            long a = next;
            next += bytes;
            used += bytes;
            live.put(a, bytes);
            return a;
        }

        @Override public void free(long address, long bytes) {
            assertEquals(live.remove(address), bytes, "freed with the size it was allocated with");
            used -= bytes;
            freed.add(address);
        }
    }

    @Test
    void sizeClassesRoundSmallRequestsTo512BytesAndLargeOnesTo2MiB() {
        assertEquals(512, BlockCache.sizeClass(0));
        assertEquals(512, BlockCache.sizeClass(1));
        assertEquals(512, BlockCache.sizeClass(512));
        assertEquals(1024, BlockCache.sizeClass(513));
        assertEquals(1 << 20, BlockCache.sizeClass(1 << 20));
        assertEquals(2 << 20, BlockCache.sizeClass((1 << 20) + 1));
        assertEquals(4 << 20, BlockCache.sizeClass((2 << 20) + 1));
        assertThrows(IllegalArgumentException.class, () -> BlockCache.sizeClass(-1));
    }

    @Test
    void aReleasedBlockIsHandedOutAgainForTheSameClass() {
        FakeDevice dev = new FakeDevice(1L << 30);
        BlockCache cache = new BlockCache(dev, e -> e instanceof OutOfMemory);
        long a = cache.acquire(1000);
        assertEquals(1024, cache.liveBytes());
        cache.release(a, 1000);
        assertEquals(0, cache.liveBytes());
        assertEquals(1024, cache.cachedBytes());
        assertEquals(a, cache.acquire(1020), "same class: the cached block");
        assertEquals(1, cache.rawAllocations());
        long b = cache.acquire(3000);
        assertNotEquals(a, b);
        assertEquals(2, cache.rawAllocations());
    }

    @Test
    void outOfMemoryFreesTheCacheAndRetriesOnce() {
        FakeDevice dev = new FakeDevice(8L << 20);
        BlockCache cache = new BlockCache(dev, e -> e instanceof OutOfMemory);
        long a = cache.acquire(6L << 20);
        cache.release(a, 6L << 20);
        long b = cache.acquire(4L << 20); // 6 MiB cached + 4 MiB > 8 MiB: the cached block must go first
        assertEquals(List.of(a), dev.freed);
        assertEquals(0, cache.cachedBytes());
        assertEquals(4L << 20, cache.liveBytes());
        assertThrows(OutOfMemory.class, () -> cache.acquire(6L << 20), "nothing cached to give back: the failure surfaces");
        cache.release(b, 4L << 20);
    }

    @Test
    void otherFailuresAreNotRetried() {
        BlockCache cache = new BlockCache(new FakeDevice(1L << 30) {
            @Override public long allocate(long bytes) { throw new IllegalStateException("driver gone"); }
        }, e -> e instanceof OutOfMemory);
        assertThrows(IllegalStateException.class, () -> cache.acquire(10));
    }

    @Test
    void trimGivesEveryCachedBlockBack() {
        FakeDevice dev = new FakeDevice(1L << 30);
        BlockCache cache = new BlockCache(dev, e -> e instanceof OutOfMemory);
        long a = cache.acquire(100), b = cache.acquire(100), c = cache.acquire(5L << 20);
        cache.release(a, 100);
        cache.release(b, 100);
        cache.release(c, 5L << 20);
        assertEquals(512 + 512 + (6L << 20), cache.trim());
        assertEquals(0, cache.cachedBytes());
        assertEquals(0, dev.used);
        assertEquals(3, dev.freed.size());
    }
}
