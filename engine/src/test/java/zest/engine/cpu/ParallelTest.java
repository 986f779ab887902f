package zest.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class ParallelTest {

    /** Every index in [0, n) is visited exactly once, whatever the grain. */
    @Property(tries = 50)
    void forRangeCoversEachIndexOnce(@ForAll @IntRange(min = 0, max = 5000) int n, @ForAll @IntRange(min = 1, max = 700) int grain) {
        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
        Parallel.forRange(n, grain, (from, to) -> {
            assertTrue(0 <= from && from < to && to <= n, "range [" + from + ", " + to + ") of " + n);
            for (int i = from; i < to; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i);
    }

    @Example
    void nestedLoopsRunInlineAndExceptionsPropagate() {
        AtomicIntegerArray hits = new AtomicIntegerArray(64 * 64);
        Parallel.parallelFor(64, i -> Parallel.parallelFor(64, j -> hits.incrementAndGet(i * 64 + j)));
        for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i));
        assertThrows(RuntimeException.class, () -> Parallel.forRange(1000, 1, (from, to) -> {
            if (from == 0) throw new IllegalStateException("boom");
        }));
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }
}
