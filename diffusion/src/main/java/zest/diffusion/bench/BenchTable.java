package zest.diffusion.bench;

import java.util.ArrayList;
import java.util.List;

/** The comparison table of the whole-model cases. */
public final class BenchTable {
    private static final String FMT = "%-48s %9s %12s %7s %13s %14s %17s%n";

    private BenchTable() {}

    /** @param legend also print the header and the explanations (the summary); without, rows only under a header */
    public static String render(List<BenchRunner.CaseRow> rows, boolean legend) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(FMT, "case", "ours (s)", "PyTorch (s)", "ratio", "our peak RSS", "our live heap", "PyTorch peak RSS"));
        List<String> notes = new ArrayList<>();
        for (BenchRunner.CaseRow r : rows) {
            ModelCase c = r.modelCase();
            CaseResult ours = r.ours(), torch = r.torch();
            List<String> parts = c.parts();
            if (parts.size() == 1) {
                sb.append(row(ModelCase.partLabel(parts.getFirst(), c.size()), time(ours, parts), time(torch, parts), ours, torch, true));
            } else {
                for (String p : parts)
                    sb.append(row("  " + ModelCase.partLabel(p, c.size()), time(ours, List.of(p)), time(torch, List.of(p)), ours, torch, false));
                sb.append(row("ZestGuide step (both above), " + c.size() + "×" + c.size() + " (" + c.pixels() + " px)",
                        time(ours, parts), time(torch, parts), ours, torch, true));
            }
            if (ours.note() != null) notes.add(c.id() + " zest: " + ours.note());
            if (torch.note() != null) notes.add(c.id() + " PyTorch: " + torch.note());
        }
        for (String n : notes) sb.append("  note: ").append(n).append('\n');
        if (legend) {
            sb.append("""
                    ratio = PyTorch time / our time: > 1 means zest is faster (goal: >= %.1f).
                    times: best of the timed runs after warm-up (runs per case in --json); the ZestGuide step row is the
                      sum of its two parts. Each case ran in its own process, ours a fresh JVM with random F32 weights
                      (%s for the SD 1.5 UNet), PyTorch float32 with torch.no_grad() except the ZestGuide pass.
                    our peak RSS: VmHWM of /proc/self/status of that JVM (heap as far as G1 grew it, off-heap, code);
                      our live heap: the largest Java heap occupancy right after a GC (what the work needs);
                      PyTorch peak RSS: ru_maxrss of its process. Goal at 512 px with ZestGuide: <= %.1f GB.
                    """.formatted(BenchRunner.GOAL_RATIO, MemoryProbe.gb(TorchUNetPeer.SD15_UNET_PARAMETERS * 4), BenchRunner.GOAL_PEAK_GB));
        }
        return sb.toString();
    }

    private static String row(String label, double ours, double torch, CaseResult o, CaseResult t, boolean memory) {
        return String.format(FMT, label, secs(ours), secs(torch),
                Double.isNaN(ours) || Double.isNaN(torch) ? "-" : String.format("%.2f", torch / ours),
                memory ? MemoryProbe.gb(o.peakRssBytes()) : "", memory ? MemoryProbe.gb(o.peakLiveHeapBytes()) : "",
                memory ? MemoryProbe.gb(t.peakRssBytes()) : "");
    }

    private static double time(CaseResult r, List<String> parts) {
        return r.ok() ? r.totalBestS(parts) : Double.NaN;
    }

    private static String secs(double s) {
        return Double.isNaN(s) ? "-" : String.format("%.2f", s);
    }
}
