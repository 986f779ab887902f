package zest.diffusion.bench;

import java.util.ArrayList;
import java.util.List;

/** The comparison table of the whole-model cases. */
public final class BenchTable {
    private static final String FMT = "%-48s %9s %12s %7s %10s %13s %14s %17s%n";

    private BenchTable() {}

    /** @param legend also print the header and the explanations (the summary); without, rows only under a header */
    public static String render(List<BenchRunner.CaseRow> rows, boolean legend) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(FMT, "case", "ours (s)", "PyTorch (s)", "ratio", "CPU ratio", "our peak RSS", "heap after GC", "PyTorch peak RSS"));
        List<String> notes = new ArrayList<>();
        for (BenchRunner.CaseRow r : rows) {
            ModelCase c = r.modelCase();
            CaseResult ours = r.ours(), torch = r.torch();
            List<String> parts = c.parts();
            if (parts.size() == 1) {
                sb.append(row(ModelCase.partLabel(parts.getFirst(), c.size()), parts, ours, torch, true));
            } else {
                for (String p : parts) sb.append(row("  " + ModelCase.partLabel(p, c.size()), List.of(p), ours, torch, false));
                sb.append(row("ZestGuide step (both above), " + c.size() + "×" + c.size() + " (" + c.pixels() + " px)",
                        parts, ours, torch, true));
            }
            if (ours.note() != null) notes.add(c.id() + " zest: " + ours.note());
            if (torch.note() != null) notes.add(c.id() + " PyTorch: " + torch.note());
        }
        for (String n : notes) sb.append("  note: ").append(n).append('\n');
        if (legend) {
            sb.append("""
                    ratio = PyTorch time / our time: > 1 means zest is faster (goal: >= %.1f). CPU ratio: the same with
                      each process's CPU seconds (all threads) in those runs, less sensitive to a shared machine's load
                      (PyTorch's OpenMP workers spin while waiting, which counts as its CPU time).
                    times: best of the timed runs after warm-up (runs per case in --json); the ZestGuide step row is the
                      sum of its two parts. Each case ran in its own process, ours a fresh JVM with %s
                      (for the SD 1.5 UNet), PyTorch float32 with torch.no_grad() except the ZestGuide pass.
                    our peak RSS: VmHWM of /proc/self/status of that JVM (heap as far as the collector grew it, mapped
                      weights, off-heap, code); heap after GC: our largest Java heap occupancy right after a
                      collection (nearer what the work needs; still counts old garbage a young collection left);
                      PyTorch peak RSS: ru_maxrss of its process. Goal at 512 px with ZestGuide: <= %.1f GB.
                    """.formatted(BenchRunner.GOAL_RATIO, weights(rows), BenchRunner.GOAL_PEAK_GB));
        }
        return sb.toString();
    }

    /** "random F16 weights (1.72 GB)" as our cases reported them (F32 when none did). */
    private static String weights(List<BenchRunner.CaseRow> rows) {
        for (BenchRunner.CaseRow r : rows) {
            var info = r.ours().info();
            if (info != null && info.get("weights_dtype") != null && info.get("weights_bytes") instanceof Number bytes)
                return "random " + info.get("weights_dtype") + " weights (" + MemoryProbe.gb(bytes.longValue()) + ")";
        }
        return "random F32 weights (" + MemoryProbe.gb(TorchUNetPeer.SD15_UNET_PARAMETERS * 4) + ")";
    }

    private static String row(String label, List<String> parts, CaseResult o, CaseResult t, boolean memory) {
        double ours = time(o, parts), torch = time(t, parts);
        double oursCpu = o.ok() ? o.totalCpuS(parts) : Double.NaN, torchCpu = t.ok() ? t.totalCpuS(parts) : Double.NaN;
        return String.format(FMT, label, secs(ours), secs(torch), ratio(torch, ours), ratio(torchCpu, oursCpu),
                memory ? MemoryProbe.gb(o.peakRssBytes()) : "", memory ? MemoryProbe.gb(o.peakHeapAfterGcBytes()) : "",
                memory ? MemoryProbe.gb(t.peakRssBytes()) : "");
    }

    private static String ratio(double torch, double ours) {
        return Double.isNaN(ours) || Double.isNaN(torch) ? "-" : String.format("%.2f", torch / ours);
    }

    private static double time(CaseResult r, List<String> parts) {
        return r.ok() ? r.totalBestS(parts) : Double.NaN;
    }

    private static String secs(double s) {
        return Double.isNaN(s) ? "-" : String.format("%.2f", s);
    }
}
