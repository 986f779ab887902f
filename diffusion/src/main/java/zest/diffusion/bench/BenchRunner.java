package zest.diffusion.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code zest bench}: the engine's kernel benchmark, then the whole-model cases (UNet forward, ZestGuide step) each
 * in a fresh JVM and beside it the same work in PyTorch, and a table of times, ratios and memory peaks.
 */
public final class BenchRunner {
    /** The goals the table is read against. */
    public static final double GOAL_RATIO = 1.0, GOAL_PEAK_GB = 3.5;

    private final BenchSettings settings;
    private final PrintStream out, log;

    /** One model case on both sides. */
    public record CaseRow(ModelCase modelCase, int warmup, int reps, CaseResult ours, CaseResult torch) {}

    public BenchRunner(BenchSettings settings, PrintStream out, PrintStream log) {
        this.settings = settings;
        this.out = out;
        this.log = log;
    }

    /** Runs everything selected; returns the JSON-ready report. */
    public Map<String, Object> run() {
        Map<String, Object> report = new LinkedHashMap<>();
        double loadBefore = MemoryProbe.loadAverage();
        report.put("machine", machine(loadBefore));
        out.printf("zest bench: %d thread(s) on %d cores, %s %s, load average %.2f at start%n", settings.threads(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), Runtime.version(), loadBefore);
        String python = settings.python();
        out.println(python == null ? "peers: none (no --python, no " + BenchSettings.PYTHON_ENV + ", no ./bench-venv): PyTorch columns stay empty"
                : "peers: " + python + " with " + settings.benchDir().resolve("torch_unet.py") + " / torch_peer.py");

        if (settings.suites().contains(BenchSettings.Suite.KERNELS)) {
            out.println();
            out.println("== kernels (zest.engine.cpu.KernelBench) ==");
            report.put("kernels", KernelSuite.run(settings, out));
        }

        List<ModelCase> cases = settings.modelCases();
        List<CaseRow> rows = new ArrayList<>();
        if (!cases.isEmpty()) {
            out.println();
            out.println("== SD 1.5 UNet at full size (random " + settings.weights().toUpperCase(java.util.Locale.ROOT)
                    + " weights; each case in its own process) ==");
            TorchUNetPeer peer = new TorchUNetPeer(python, settings.benchDir().resolve("torch_unet.py"), log);
            for (ModelCase c : cases) {
                int reps = settings.repsFor(c);
                log.printf("# --- %s: zest (fresh JVM), warm-up %d, best of %d ---%n", c.id(), settings.warmup(), reps);
                CaseResult ours = ChildJvm.run(c, settings.threads(), settings.warmup(), reps, settings.childHeap(), settings.weights(), log);
                log.printf("# --- %s: PyTorch ---%n", c.id());
                CaseResult torch = c.kind() == ModelCase.Kind.VAE ? CaseResult.failed(c.id(), "no PyTorch VAE peer")
                        : peer.run(c, settings.threads(), settings.warmup(), reps);
                CaseRow row = new CaseRow(c, settings.warmup(), reps, ours, torch);
                rows.add(row);
                out.print(BenchTable.render(List.of(row), false));
            }
            double loadAfter = MemoryProbe.loadAverage();
            out.println();
            out.printf("== summary (load average %.2f at start, %.2f at end, %d cores) ==%n", loadBefore, loadAfter,
                    Runtime.getRuntime().availableProcessors());
            out.print(BenchTable.render(rows, true));
            report.put("load_average_end", loadAfter);
            List<Map<String, Object>> json = new ArrayList<>();
            for (CaseRow r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", r.modelCase().id());
                m.put("warmup", r.warmup());
                m.put("reps", r.reps());
                m.put("ours", r.ours());
                m.put("torch", r.torch());
                json.add(m);
            }
            report.put("cases", json);
        }
        return report;
    }

    private Map<String, Object> machine(double load) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", Instant.now().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("threads", settings.threads());
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("max_heap_bytes", MemoryProbe.maxHeapBytes());
        m.put("weights", settings.weights());
        m.put("load_average_start", load);
        m.put("python", settings.python());
        return m;
    }

    /** Writes the report as indented JSON. */
    public static void writeJson(Map<String, Object> report, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        BenchJson.pretty().writeValue(file.toFile(), report);
    }
}
