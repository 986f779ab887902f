package zest.diffusion.checkpoint;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zest.engine.DType;
import zest.engine.io.TensorInfo;

/** Adds up header entries into a report's components and ignored groups while an inspector walks a checkpoint. */
final class ReportTally {
    static final int EXAMPLES = 5;

    private final Map<String, Component> components = new LinkedHashMap<>();
    private final Map<String, Ignored> ignored = new LinkedHashMap<>();
    final List<String> unknown = new ArrayList<>();
    final List<String> problems = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final List<CheckpointReport.FileEntry> files = new ArrayList<>();

    private static final class Component {
        long parameters, bytes;
        int tensors;
        final Map<DType, Integer> dtypes = new EnumMap<>(DType.class);
    }

    private static final class Ignored {
        long parameters;
        int count;
        final List<String> examples = new ArrayList<>();
    }

    /** Declares a component so that it is listed (in this order) even if it turns out to hold nothing. */
    void component(String name) { components.computeIfAbsent(name, n -> new Component()); }

    void count(String component, TensorInfo t) {
        Component c = components.computeIfAbsent(component, n -> new Component());
        c.parameters += t.numel();
        c.bytes += t.byteSize();
        c.tensors++;
        c.dtypes.merge(t.dtype(), 1, Integer::sum);
    }

    void ignore(String reason, TensorInfo t) {
        Ignored g = ignored.computeIfAbsent(reason, r -> new Ignored());
        g.count++;
        g.parameters += t.numel();
        if (g.examples.size() < EXAMPLES) g.examples.add(t.name());
    }

    List<CheckpointReport.ComponentEntry> components() {
        List<CheckpointReport.ComponentEntry> out = new ArrayList<>();
        components.forEach((name, c) -> {
            Map<String, Integer> dtypes = new LinkedHashMap<>();
            c.dtypes.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                    .forEach(e -> dtypes.put(e.getKey().safetensorsName(), e.getValue()));
            out.add(new CheckpointReport.ComponentEntry(name, c.parameters, c.tensors, dtypes, c.bytes));
        });
        return out;
    }

    List<CheckpointReport.IgnoredGroup> ignored() {
        List<CheckpointReport.IgnoredGroup> out = new ArrayList<>();
        ignored.forEach((reason, g) -> out.add(new CheckpointReport.IgnoredGroup(reason, g.count, g.parameters, List.copyOf(g.examples))));
        return out;
    }

    int ignoredCount() { return ignored.values().stream().mapToInt(g -> g.count).sum(); }

    long totalParameters() { return components.values().stream().mapToLong(c -> c.parameters).sum(); }

    long totalBytes() { return files.stream().mapToLong(CheckpointReport.FileEntry::bytes).sum(); }

    CheckpointReport report(String path, CheckpointLayout layout, String configsFrom, Architecture architecture, String architectureProblem) {
        return new CheckpointReport(path, layout.label(), List.copyOf(files), totalBytes(), configsFrom, architecture,
                architectureProblem, components(), totalParameters(), ignoredCount(), ignored(), List.copyOf(unknown),
                List.copyOf(problems), List.copyOf(notes));
    }
}
