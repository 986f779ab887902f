package zest.diffusion.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Runs a bench process (a child JVM for one case, or the Python peer): its stderr (progress lines) is echoed to
 * ours as it comes and its last lines are kept for error messages; its stdout is collected. The child is killed
 * if this JVM exits first.
 */
final class Subprocess {
    record Outcome(int exitCode, String stdout, String stderrTail) {}

    private static final int TAIL_LINES = 12;

    private Subprocess() {}

    static Outcome run(List<String> command, PrintStream progress) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        Thread killer = new Thread(p::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(killer);
        try {
            Deque<String> tail = new ArrayDeque<>();
            Thread errPump = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("WARNING: Using incubator modules")) continue;
                        progress.println(line);
                        synchronized (tail) {
                            tail.addLast(line);
                            if (tail.size() > TAIL_LINES) tail.removeFirst();
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            errPump.join(5000);
            synchronized (tail) {
                return new Outcome(rc, out, String.join("\n", tail));
            }
        } finally {
            p.destroyForcibly();
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    /** The last non-blank line of a tail, for one-line notes. */
    static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1].strip();
    }
}
