package zest.engine.cpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs bench/torch_peer.py on the same cases and reads back its JSON: PyTorch CPU (MKL / oneDNN) and numpy
 * timings for the comparison columns of {@link KernelBench}.
 */
final class PeerBench {
    /** Peer best times in ms, keyed by case id; null entries mean the peer did not run that case. */
    record Timings(Map<String, Double> torchMs, Map<String, Double> numpyMs, String versions, String note) {
        static Timings skipped(String why) { return new Timings(Map.of(), Map.of(), "", why); }
    }

    private PeerBench() {}

    static Timings run(BenchOptions options, List<BenchCase> cases) {
        if (options.python() == null || options.python().isBlank()) {
            return Timings.skipped("peer skipped: no Python given (--python PATH or " + BenchOptions.PYTHON_ENV
                    + "=/path/to/bench-venv/bin/python)");
        }
        if (!Files.isRegularFile(options.peerScript())) {
            return Timings.skipped("peer skipped: script " + options.peerScript().toAbsolutePath() + " not found");
        }
        ObjectMapper json = new ObjectMapper();
        List<Object> specs = new ArrayList<>();
        for (BenchCase c : cases) specs.add(c.peerSpec());
        try {
            Process p = new ProcessBuilder(options.python(), options.peerScript().toString(),
                    "--threads", String.valueOf(options.threads()), "--warmup", String.valueOf(options.warmup()),
                    "--reps", String.valueOf(options.reps()), "--cases", json.writeValueAsString(specs))
                    .redirectError(ProcessBuilder.Redirect.INHERIT) // the peer's progress lines
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) return Timings.skipped("peer failed with exit code " + rc);
            JsonNode root = json.readTree(out);
            return new Timings(bestTimes(root.get("torch")), bestTimes(root.get("numpy")),
                    root.get("versions").toString(), null);
        } catch (IOException e) {
            return Timings.skipped("peer skipped: cannot run " + options.python() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Timings.skipped("peer interrupted");
        }
    }

    private static Map<String, Double> bestTimes(JsonNode byId) {
        Map<String, Double> times = new HashMap<>();
        if (byId == null) return times;
        byId.properties().forEach(e -> times.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().get("best_ms").asDouble()));
        return times;
    }
}
