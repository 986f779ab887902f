package zest.engine.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;

/**
 * The shared worker pool for CPU kernels. Thread count: system property {@code zest.threads}, default all cores.
 * Kernels split work into ranges; small jobs run inline so tiny tensors pay no scheduling cost.
 */
public final class Parallel {
    private static volatile int threads = Integer.getInteger("zest.threads", Runtime.getRuntime().availableProcessors());
    private static volatile ForkJoinPool pool = new ForkJoinPool(threads);

    private Parallel() {}

    /** Body of a parallel loop over [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    public static int threads() { return threads; }

    /** Changes the worker count (e.g. from a --threads option). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be ≥ 1, got " + n);
        if (n == threads) return;
        ForkJoinPool old = pool;
        pool = new ForkJoinPool(n);
        threads = n;
        old.shutdown();
    }

    /** Runs body(i) for i in [0, n) across the pool. */
    public static void parallelFor(int n, IntConsumer body) {
        forRange(n, 1, (from, to) -> { for (int i = from; i < to; i++) body.accept(i); });
    }

    /**
     * Splits [0, n) into at most a few chunks per thread, each at least {@code grain} long, and runs them in
     * parallel; runs inline when there is only one chunk or when already on a pool thread.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int t = threads;
        int chunks = (int) Math.min((long) t * 4, Math.max(1, n / Math.max(grain, 1)));
        chunks = Math.min(chunks, n);
        if (chunks <= 1 || t == 1 || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        int per = (n + chunks - 1) / chunks;
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks];
        ForkJoinPool p = pool;
        int k = 0;
        for (int from = 0; from < n; from += per) {
            int f = from, to = Math.min(n, from + per);
            tasks[k++] = p.submit(() -> body.run(f, to));
        }
        for (int i = 0; i < k; i++) tasks[i].join();
    }
}
