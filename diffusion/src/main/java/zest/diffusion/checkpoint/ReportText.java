package zest.diffusion.checkpoint;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The human-readable form of a {@link CheckpointReport}: one fact per line, numbers with thousands separators. */
public final class ReportText {
    private ReportText() {}

    /** Unknown and problem lists are printed whole up to this many lines (the --json form always has them all). */
    static final int LISTED = 100;

    public static String render(CheckpointReport r) {
        StringBuilder out = new StringBuilder();
        line(out, 0, "checkpoint: " + r.path());
        line(out, 0, "layout: " + r.layout());
        if (r.configsFrom() != null) line(out, 0, "configs: " + r.configsFrom());
        architecture(out, r);
        line(out, 0, "components:");
        int width = r.components().stream().mapToInt(c -> c.name().length() + 1).max().orElse(6);
        int digits = group(r.totalParameters()).length();
        for (CheckpointReport.ComponentEntry c : r.components())
            line(out, 1, String.format(Locale.ROOT, "%-" + width + "s  %" + digits + "s params, %s  (%d tensors, %s)", c.name() + ":",
                    group(c.parameters()), dtypes(c.dtypes()), c.tensors(), size(c.bytes())));
        if (r.components().size() > 1)
            line(out, 1, String.format(Locale.ROOT, "%-" + width + "s  %" + digits + "s params", "total:", group(r.totalParameters())));
        line(out, 0, "files:");
        for (CheckpointReport.FileEntry f : r.files()) {
            line(out, 1, f.path() + "  " + bytes(f.bytes()) + ", " + f.tensors() + " tensors");
            line(out, 2, "metadata: " + (f.metadata().isEmpty() ? "none" : metadata(f.metadata())));
        }
        if (r.files().size() > 1) line(out, 1, "total " + bytes(r.totalBytes()));
        line(out, 0, "ignored keys: " + (r.ignoredCount() == 0 ? "none" : r.ignoredCount()));
        for (CheckpointReport.IgnoredGroup g : r.ignored())
            line(out, 1, g.count() + " × " + g.reason() + ", " + group(g.parameters()) + " params, e.g. "
                    + String.join(", ", g.examples()) + (g.count() > g.examples().size() ? ", ..." : ""));
        list(out, "UNKNOWN keys (neither mapped nor known extras; loaders skip them)", r.unknown());
        list(out, "problems (a loader would refuse this checkpoint)", r.problems());
        for (String n : r.notes()) line(out, 0, "note: " + n);
        return out.toString();
    }

    private static void architecture(StringBuilder out, CheckpointReport r) {
        Architecture a = r.architecture();
        if (a == null) {
            if (r.architectureProblem() != null) line(out, 0, "architecture: unknown (" + r.architectureProblem() + ")");
            else if (!r.layout().equals(CheckpointLayout.PLAIN_SAFETENSORS.label())) line(out, 0, "architecture: unknown");
            return;
        }
        line(out, 0, "architecture: " + a.label());
        Architecture.Unet u = a.unet();
        line(out, 1, "unet: block_out_channels " + u.blockOutChannels() + ", layers_per_block " + compact(u.layersPerBlock())
                + ", attention heads " + compact(u.attentionHeads()) + ", cross_attention_dim " + u.crossAttentionDim()
                + ", in/out channels " + u.inChannels() + "/" + u.outChannels()
                + ", proj_in " + (u.linearProjection() ? "linear" : "1x1 conv") + ", sample_size " + u.sampleSize());
        Architecture.TextEncoder t = a.textEncoder();
        line(out, 1, "text encoder: " + t.kind() + ", hidden_size " + t.hiddenSize() + ", " + t.layers() + " layers, "
                + t.attentionHeads() + " heads, intermediate_size " + t.intermediateSize() + ", " + t.hiddenAct()
                + ", vocab " + group(t.vocabSize()));
        Architecture.Vae v = a.vae();
        line(out, 1, "vae: block_out_channels " + v.blockOutChannels() + ", latent_channels " + v.latentChannels()
                + ", layers_per_block " + v.layersPerBlock() + ", scaling_factor " + v.scalingFactor());
        line(out, 1, "prediction: " + a.predictionType() + " (" + a.predictionFrom() + ")");
        for (String n : a.notes()) line(out, 1, "note: " + n);
    }

    private static void list(StringBuilder out, String title, List<String> items) {
        line(out, 0, title + ": " + (items.isEmpty() ? "none" : items.size()));
        for (int i = 0; i < Math.min(LISTED, items.size()); i++) line(out, 1, items.get(i));
        if (items.size() > LISTED) line(out, 1, "... and " + (items.size() - LISTED) + " more (--json lists all)");
    }

    /** "8" when every block has the same value, else the list. */
    static String compact(List<Integer> perBlock) {
        return perBlock.stream().distinct().count() == 1 ? perBlock.getFirst().toString() : perBlock.toString();
    }

    static String dtypes(Map<String, Integer> dtypes) {
        if (dtypes.isEmpty()) return "no tensors";
        if (dtypes.size() == 1) return dtypes.keySet().iterator().next();
        return dtypes.entrySet().stream().map(e -> e.getKey() + " ×" + e.getValue()).collect(Collectors.joining(", "));
    }

    static String metadata(Map<String, String> m) {
        return m.entrySet().stream().map(e -> e.getKey() + "=" + abbreviate(e.getValue())).collect(Collectors.joining(", "));
    }

    /** Metadata values can be whole training configs: keep one line readable. */
    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() <= 120 ? one : one.substring(0, 120) + "...(" + s.length() + " chars)";
    }

    static String group(long n) { return String.format(Locale.ROOT, "%,d", n); }

    /** Exact, with the rounded size beside it: "10,646,390 bytes (10.2 MiB)". */
    static String bytes(long n) { return n < 1024 ? size(n) : group(n) + " bytes (" + size(n) + ")"; }

    /** Rounded: "6.1 MiB". */
    static String size(long n) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
        return u < 0 ? group(n) + " bytes" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static void line(StringBuilder out, int indent, String text) {
        out.append("  ".repeat(indent)).append(text).append('\n');
    }
}
