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
 * @param peakLiveHeapBytes ours: largest heap occupancy after a GC (-1 for the peer / unknown)
 * @param peakHeapUsedBytes ours: sum of the heap pools' peaks, garbage included (-1 for the peer)
 * @param note           why it failed or was skipped, or extra information; null when none
 */
public record CaseResult(String caseId, Map<String, Timing> parts, long peakRssBytes, long peakLiveHeapBytes,
                         long peakHeapUsedBytes, long parameters, Map<String, Object> info, String note) {

    /** Best and all timed runs of one part, in seconds. */
    public record Timing(double bestS, List<Double> runsS) {
        public static Timing of(List<Double> runs) {
            return new Timing(runs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN), List.copyOf(runs));
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
}
