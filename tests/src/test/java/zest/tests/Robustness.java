package zest.tests;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ForkJoinPool;
import net.jqwik.api.statistics.Statistics;
import zest.engine.io.SafetensorsException;
import zest.nn.ConfigException;
import zest.nn.WeightsException;
import zest.nn.clip.TokenizerException;

/**
 * The harness of the robustness properties: runs one damaged input on a worker thread under a time limit and an
 * allocation limit, and sorts the result into "accepted" or "rejected" (the project's own exception, with a message
 * that names what is wrong). Anything else — another exception type, an Error, a hang, a message that does not name
 * the file, field or argument, or an allocation the input sized — fails the property with the input in the message.
 * Outcome counts go to jqwik's statistics and to {@link #summary}, printed once per test class.
 */
final class Robustness {
    /**
     * The fuzz properties run from this fixed seed, so CI sees the same inputs every time (a failure is never a
     * matter of luck); change it locally to explore other inputs.
     */
    static final String SEED = "20261125";

    /** Bytes one case may allocate: far above what a rejected input needs, far below a size taken from the input. */
    static final long MAX_ALLOCATION = 384L << 20;

    /** The project's exception types for bad input (what the CLI turns into exit code 2). */
    static final List<Class<? extends RuntimeException>> PROJECT_ERRORS = List.of(ConfigException.class, WeightsException.class,
            TokenizerException.class, SafetensorsException.class, zest.convert.ckpt.CheckpointException.class,
            zest.diffusion.checkpoint.CheckpointException.class, zest.diffusion.layout.LayoutException.class,
            zest.diffusion.schedulers.SchedulerConfigException.class, zest.cli.UserError.class);

    private static final Map<String, Map<String, Integer>> COUNTS = new TreeMap<>();
    private static final Map<String, Long> NANOS = new TreeMap<>();
    private static final List<String> SLOW = new java.util.ArrayList<>();

    private Robustness() {}

    /**
     * A fresh scratch folder for a property suite's damaged files, in /dev/shm when writable (thousands of small
     * writes) else the temp folder. jqwik properties get no JUnit {@code @TempDir}: remove it with {@link #deleteTree}.
     */
    static Path scratchDir(String prefix) throws IOException {
        Path shm = Path.of("/dev/shm");
        return Files.createTempDirectory(Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")), prefix);
    }

    /** Deletes a folder and everything below it. */
    static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** What a case did: {@code outcome} is "accepted" or "rejected"; {@code message} the rejection's message. */
    record Result(String outcome, String message, long allocatedBytes) {}

    /**
     * Runs {@code body} (which returns normally when the input is accepted) and classifies it. A rejection's message
     * must contain one of {@code names} (ignoring case): the file, field or argument the case damaged.
     */
    static Result run(String kind, String input, Duration limit, ThrowingRunnable body, String... names) {
        return run(kind, input, limit, MAX_ALLOCATION, body, names);
    }

    /** The same with another allocation limit (a whole CLI run that succeeds allocates more than a refused input). */
    static Result run(String kind, String input, Duration limit, long maxAllocation, ThrowingRunnable body, String... names) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Object[] r = new Object[2];
        long start = System.nanoTime();
        // a fresh daemon thread per case: a hung case fails the property and cannot delay the ones after it
        Thread worker = new Thread(() -> {
            long tid = Thread.currentThread().threadId();
            long before = mx.getThreadAllocatedBytes(tid);
            Throwable thrown = null;
            try {
                body.run();
            } catch (Throwable t) {
                thrown = t;
            }
            r[0] = thrown;
            r[1] = mx.getThreadAllocatedBytes(tid) - before;
        }, "robustness-case");
        worker.setDaemon(true);
        worker.start();
        try {
            // managed: jqwik may run a property on a common-pool worker, and the case itself may need that pool
            // (the tokenizer parses merges.txt with supplyAsync); a plain join there would deadlock the pair
            ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
                @Override public boolean block() throws InterruptedException {
                    worker.join(limit);
                    return true;
                }

                @Override public boolean isReleasable() { return !worker.isAlive(); }
            });
        } catch (InterruptedException e) {
            throw new AssertionError(kind + ": interrupted", e);
        }
        if (worker.isAlive()) {
            worker.interrupt();
            throw new AssertionError(kind + ": no answer within " + limit + " (a hang?) for " + input);
        }
        long nanos = System.nanoTime() - start;
        addTime(kind, nanos);
        if (nanos > 5e9) SLOW.add(String.format("%.1f s: %s", nanos / 1e9, input.length() > 300 ? input.substring(0, 300) + "..." : input));
        Throwable thrown = (Throwable) r[0];
        long allocated = (long) r[1];
        if (allocated > maxAllocation)
            throw new AssertionError(kind + ": allocated " + (allocated >> 20) + " MB for " + input
                    + (thrown == null ? "" : " (then threw " + thrown + ")"), thrown);
        Result result;
        if (thrown == null) {
            result = new Result("accepted", null, allocated);
        } else {
            if (PROJECT_ERRORS.stream().noneMatch(c -> c.isInstance(thrown)))
                throw new AssertionError(kind + ": " + thrown.getClass().getName() + " is not the project's own error, for " + input, thrown);
            String m = thrown.getMessage();
            if (m == null || m.isBlank()) throw new AssertionError(kind + ": empty message for " + input, thrown);
            assertNames(kind, input, m, names);
            result = new Result("rejected", m, allocated);
        }
        count(kind, result.outcome());
        return result;
    }

    /** A rejection message must say what is wrong: one of the names must occur in it. */
    static void assertNames(String kind, String input, String message, String... names) {
        if (names.length == 0) return;
        String lower = message.toLowerCase(java.util.Locale.ROOT);
        for (String n : names) if (lower.contains(n.toLowerCase(java.util.Locale.ROOT))) return;
        throw new AssertionError(kind + ": message \"" + message + "\" names none of " + List.of(names) + ", for " + input);
    }

    private static synchronized void addTime(String kind, long nanos) {
        NANOS.merge(kind.endsWith(".harness") ? kind.substring(0, kind.length() - 8) : kind, nanos, Long::sum);
    }

    static synchronized void count(String kind, String outcome) {
        if (kind.endsWith(".harness")) return; // the CLI counts by exit code itself
        Statistics.collect(outcome);
        COUNTS.computeIfAbsent(kind, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
    }

    /** One line per input kind: tries and outcome counts so far (in this JVM). */
    static synchronized String summary(String prefix) {
        StringBuilder sb = new StringBuilder();
        COUNTS.forEach((kind, m) -> {
            if (!kind.startsWith(prefix) || kind.endsWith(".harness")) return;
            int total = m.values().stream().mapToInt(Integer::intValue).sum();
            sb.append(String.format("robustness %-28s %5d inputs in %6.1f s: %s%n", kind, total, NANOS.getOrDefault(kind, 0L) / 1e9, m));
        });
        for (String s : SLOW) sb.append("robustness slow case ").append(s).append('\n');
        SLOW.clear();
        return sb.toString();
    }

    /** Prints the summary of the kinds starting with {@code prefix} (to stderr, so it lands in the test report beside jqwik statistics). */
    static void print(String prefix) {
        System.err.print(summary(prefix));
        System.err.flush();
    }

    static synchronized int tries(String kind) {
        return COUNTS.getOrDefault(kind, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
