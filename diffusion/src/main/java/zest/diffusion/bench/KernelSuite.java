package zest.diffusion.bench;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zest.engine.cpu.KernelBench;

/**
 * The kernels suite: the engine's {@link KernelBench} (SGEMM, SD 1.5 matmul and conv2d shapes, with its PyTorch /
 * numpy peer bench/torch_peer.py), run in this JVM with its own table.
 */
final class KernelSuite {
    private KernelSuite() {}

    /** Runs KernelBench, echoing its table to {@code out}; returns the table text for the JSON report. */
    static Map<String, Object> run(BenchSettings s, PrintStream out) {
        List<String> args = new ArrayList<>(List.of("--threads", String.valueOf(s.threads())));
        if (s.quick()) args.addAll(List.of("--warmup", "1", "--reps", "3"));
        if (s.python() != null) {
            args.addAll(List.of("--python", s.python(), "--peer-script", s.benchDir().resolve("torch_peer.py").toString()));
        } else {
            args.add("--no-peer");
        }
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        PrintStream original = System.out;
        // KernelBench prints its table on System.out: keep a copy for --json
        System.setOut(new PrintStream(new Tee(out, copy), true, StandardCharsets.UTF_8));
        try {
            KernelBench.main(args.toArray(String[]::new));
        } finally {
            System.out.flush();
            System.setOut(original);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("args", args);
        m.put("table", copy.toString(StandardCharsets.UTF_8));
        return m;
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a, b;

        Tee(OutputStream a, OutputStream b) { this.a = a; this.b = b; }

        @Override public void write(int x) { write(new byte[] {(byte) x}, 0, 1); }

        @Override public void write(byte[] buf, int off, int len) {
            try {
                a.write(buf, off, len);
                b.write(buf, off, len);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override public void flush() {
            try {
                a.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
