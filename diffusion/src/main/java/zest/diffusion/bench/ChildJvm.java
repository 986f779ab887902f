package zest.diffusion.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one whole-model case in a fresh JVM (same java binary, JVM options and class path as this one), so that its
 * peak RSS is that case's alone: a JVM's heap, once grown, stays resident for the rest of the process.
 * The child is {@code zest bench --case ID ...}; it prints its {@link CaseResult} as one JSON line after
 * {@link #RESULT_MARK} on stdout.
 */
public final class ChildJvm {
    public static final String RESULT_MARK = "ZEST-BENCH-RESULT ";

    private ChildJvm() {}

    /**
     * @param heap    the child's -Xmx (e.g. "3500m"), or null to pass this JVM's heap settings on
     * @param weights the model's weight dtype, f32 or f16
     */
    public static CaseResult run(ModelCase c, int threads, int warmup, int reps, String heap, String weights, PrintStream log) {
        List<String> cmd = command(heap);
        cmd.addAll(List.of("zest.cli.Main", "bench", "--case", c.id(), "--threads", String.valueOf(threads),
                "--warmup", String.valueOf(warmup), "--reps", String.valueOf(reps), "--weights", weights));
        Subprocess.Outcome out;
        try {
            out = Subprocess.run(cmd, log);
        } catch (IOException e) {
            return CaseResult.failed(c.id(), "cannot start the child JVM: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CaseResult.failed(c.id(), "interrupted");
        }
        for (String line : out.stdout().split("\n")) {
            if (line.startsWith(RESULT_MARK)) {
                try {
                    return BenchJson.mapper().readValue(line.substring(RESULT_MARK.length()), CaseResult.class);
                } catch (IOException e) {
                    return CaseResult.failed(c.id(), "unreadable child result: " + e.getMessage());
                }
            }
        }
        return CaseResult.failed(c.id(), "child JVM ended with exit code " + out.exitCode() + " and no result: "
                + Subprocess.lastLine(out.stderrTail()));
    }

    /** The line a child prints for its result. */
    public static String resultLine(CaseResult r) {
        try {
            return RESULT_MARK + BenchJson.mapper().writeValueAsString(r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** java + this JVM's options (heap options replaced when {@code heap} is given) + -cp. */
    static List<String> command(String heap) {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (heap != null && (a.startsWith("-Xmx") || a.startsWith("-XX:MaxRAMPercentage") || a.startsWith("-XX:MaxRAM=")
                    || a.startsWith("-XX:MaxHeapSize"))) continue;
            if (a.startsWith("-agentlib:jdwp")) continue; // a debugger port can be bound only once
            cmd.add(a);
        }
        if (heap != null) cmd.add("-Xmx" + heap);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }
}
