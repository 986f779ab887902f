package zest.diffusion.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one whole-model case on one side (ours or the PyTorch peer).
 *
 * @param parts          timed parts by name ({@link ModelCase#GUIDED_PART}, {@link ModelCase#CFG_PART}); empty when it
 *                       failed or was skipped
 * @param peakRssBytes   peak resident memory of the process that ran only this case (-1 unknown)
 * @param peakHeapAfterGcBytes ours: largest heap occupancy after a GC (-1 for the peer / unknown)
 * @param peakHeapUsedBytes ours: sum of the heap pools' peaks, garbage included (-1 for the peer)
 * @param note           why it failed or was skipped, or extra information; null when none
 */
public record CaseResult(String caseId, Map<String, Timing> parts, long peakRssBytes, long peakHeapAfterGcBytes,
                         long peakHeapUsedBytes, long parameters, Map<String, Object> info, String note) {

    /**
     * Best and all timed runs of one part, in seconds.
     *
     * @param cpuS   the process's CPU time (all threads, user + system) during each run: on a shared machine wall
     *               time includes waiting for a core, CPU time does not (but counts spinning worker threads)
     * @param splitS wall time of the stages of each run (guided: forward, loss + backward), by stage name
     */
    public record Timing(double bestS, List<Double> runsS, List<Double> cpuS, Map<String, List<Double>> splitS) {
        public Timing {
            runsS = List.copyOf(runsS);
            cpuS = cpuS == null ? List.of() : List.copyOf(cpuS);
            splitS = splitS == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(splitS));
        }

        public static Timing of(List<Double> runs, List<Double> cpu, Map<String, List<Double>> splits) {
            return new Timing(runs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN), runs, cpu, splits);
        }

        /** CPU seconds of the fastest run (NaN when not measured). */
        public double cpuOfBest() {
            if (cpuS.size() != runsS.size()) return Double.NaN;
            return cpuS.get(runsS.indexOf(bestS));
        }
    }

    public CaseResult {
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
        info = info == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(info));
    }

    public static CaseResult failed(String caseId, String note) {
        return new CaseResult(caseId, Map.of(), -1, -1, -1, -1, Map.of(), note);
    }

    public boolean ok() { return !parts.isEmpty(); }

    /** Sum of the parts' best times (the whole step), NaN when a part is missing. */
    public double totalBestS(List<String> expectedParts) {
        double sum = 0;
        for (String p : expectedParts) {
            Timing t = parts.get(p);
            if (t == null) return Double.NaN;
            sum += t.bestS();
        }
        return sum;
    }

    /** Sum of the parts' CPU seconds in their fastest runs, NaN when a part or its CPU time is missing. */
    public double totalCpuS(List<String> expectedParts) {
        double sum = 0;
        for (String p : expectedParts) {
            Timing t = parts.get(p);
            if (t == null) return Double.NaN;
            sum += t.cpuOfBest();
        }
        return sum;
    }
}
