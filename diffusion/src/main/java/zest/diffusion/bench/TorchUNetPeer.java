package zest.diffusion.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch side of a whole-model case: runs bench/torch_unet.py (the SD 1.5 UNet re-built from torch.nn modules,
 * random weights, float32, the same thread count) once per case, so that its ru_maxrss is that case's peak.
 */
public final class TorchUNetPeer {
    /** diffusers' SD 1.5 UNet2DConditionModel: the peer must build exactly this many parameters. */
    public static final long SD15_UNET_PARAMETERS = 859_520_964L;
    /** Exit code of torch_unet.py when torch cannot be imported. */
    private static final int NO_TORCH = 3;

    private final String python;
    private final Path script;
    private final PrintStream log;

    /** @param python interpreter with torch, or null (every case is then skipped with a note) */
    public TorchUNetPeer(String python, Path script, PrintStream log) {
        this.python = python;
        this.script = script;
        this.log = log;
    }

    /** Why the peer cannot run at all, or null when it can be tried. */
    public String unavailable() {
        if (python == null || python.isBlank())
            return "PyTorch peer skipped: no Python given (--python PATH or ZEST_BENCH_PYTHON=/path/to/bench-venv/bin/python)";
        if (script == null || !Files.isRegularFile(script))
            return "PyTorch peer skipped: script " + (script == null ? "bench/torch_unet.py" : script.toAbsolutePath()) + " not found";
        return null;
    }

    public CaseResult run(ModelCase c, int threads, int warmup, int reps) {
        String why = unavailable();
        if (why != null) return CaseResult.failed(c.id(), why);
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--case", c.kind().name().toLowerCase(),
                "--size", String.valueOf(c.size()), "--threads", String.valueOf(threads),
                "--warmup", String.valueOf(warmup), "--reps", String.valueOf(reps)));
        Subprocess.Outcome out;
        try {
            out = Subprocess.run(cmd, log);
        } catch (IOException e) {
            return CaseResult.failed(c.id(), "PyTorch peer skipped: cannot run " + python + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CaseResult.failed(c.id(), "PyTorch peer interrupted");
        }
        if (out.exitCode() == NO_TORCH)
            return CaseResult.failed(c.id(), "PyTorch peer skipped: " + python + " has no torch (" + Subprocess.lastLine(out.stderrTail()) + ")");
        if (out.exitCode() != 0)
            return CaseResult.failed(c.id(), "PyTorch peer failed (exit " + out.exitCode() + "): " + Subprocess.lastLine(out.stderrTail()));
        try {
            return parse(c.id(), new ObjectMapper().readTree(Subprocess.lastLine(out.stdout())));
        } catch (IOException | RuntimeException e) {
            return CaseResult.failed(c.id(), "PyTorch peer printed no readable result: " + e.getMessage());
        }
    }

    private static List<Double> doubles(JsonNode array) {
        List<Double> out = new ArrayList<>();
        if (array != null) array.forEach(v -> out.add(v.asDouble()));
        return out;
    }

    static CaseResult parse(String caseId, JsonNode root) {
        Map<String, CaseResult.Timing> parts = new LinkedHashMap<>();
        root.get("times").properties().forEach(e -> {
            List<Double> runs = doubles(e.getValue().get("runs_s")), cpu = doubles(e.getValue().get("cpu_s"));
            Map<String, List<Double>> splits = new LinkedHashMap<>();
            if (e.getValue().has("split_s")) e.getValue().get("split_s").properties().forEach(x -> splits.put(x.getKey(), doubles(x.getValue())));
            parts.put(e.getKey(), CaseResult.Timing.of(runs, cpu, splits));
        });
        long params = root.path("params").asLong(-1);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("versions", new ObjectMapper().convertValue(root.path("versions"), Map.class));
        if (root.has("captured_layers")) info.put("captured_layers", root.get("captured_layers").asInt());
        String note = params == SD15_UNET_PARAMETERS ? null
                : "PyTorch UNet has " + params + " parameters, not SD 1.5's " + SD15_UNET_PARAMETERS + ": not the same network";
        return new CaseResult(caseId, parts, root.path("peak_rss_bytes").asLong(-1), -1, -1, params, info, note);
    }
}
