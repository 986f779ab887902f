package zest.diffusion.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Memory figures of this process for the bench:
 * <ul>
 *   <li>peak RSS: {@code VmHWM} of /proc/self/status (the kernel's high-water mark of resident memory: Java heap as
 *       far as it was ever touched, off-heap buffers, mapped files, JIT code, thread stacks);</li>
 *   <li>peak heap after GC: the largest Java heap occupancy right after a garbage collection, summed over the heap
 *       pools (GC notifications). Closer to what the work needs than RSS, which also holds garbage the collector had
 *       no reason to free yet under a large -Xmx; still an upper bound (a young collection leaves old garbage, and
 *       G1 counts a large array's last region in full);</li>
 *   <li>peak heap used: the sum of the heap pools' peak usage (MemoryPoolMXBean), garbage included, an upper
 *       bound (the pools may peak at different times).</li>
 * </ul>
 */
public final class MemoryProbe {
    private static final Path STATUS = Path.of("/proc/self/status");
    private final AtomicLong maxAfterGc = new AtomicLong(-1);
    private final Set<String> heapPools = new HashSet<>();

    /** Starts listening to GC notifications and resets the pools' peak counters. */
    public MemoryProbe() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
                pool.resetPeakUsage();
            }
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!(gc instanceof NotificationEmitter emitter)) continue;
            emitter.addNotificationListener((n, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                // G1's concurrent-cycle pauses (remark, cleanup) free nothing: their "after" is not an after-GC figure
                if (info.getGcName().contains("Concurrent")) return;
                long used = 0;
                for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet())
                    if (heapPools.contains(e.getKey())) used += e.getValue().getUsed();
                long u = used;
                maxAfterGc.accumulateAndGet(u, Math::max);
            }, null, null);
        }
    }

    /** Peak resident set size in bytes, or -1 where /proc is not available. */
    public static long peakRssBytes() { return statusKiB("VmHWM:"); }

    /** Current resident set size in bytes, or -1. */
    public static long rssBytes() { return statusKiB("VmRSS:"); }

    /** The largest heap occupancy after a GC seen so far, or -1 when no collection has happened. */
    public long peakHeapAfterGcBytes() { return maxAfterGc.get(); }

    /** Sum over the heap pools of their peak usage since this probe started (garbage included). */
    public long peakHeapUsedBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
            if (pool.getType() == MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
        return sum;
    }

    /** The heap limit (-Xmx or the RAM percentage default), or -1. */
    public static long maxHeapBytes() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
    }

    private static long statusKiB(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    String v = line.substring(field.length()).trim();
                    return Long.parseLong(v.split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The 1-minute load average from /proc/loadavg, or NaN. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        }
    }

    /** "3.41 GB" style (decimal units, as the goals are stated), "-" for unknown. */
    public static String gb(long bytes) {
        return bytes < 0 ? "-" : String.format("%.2f GB", bytes / 1e9);
    }
}
