package zest.diffusion.checkpoint;

import java.util.List;
import java.util.Map;

/**
 * What {@code zest inspect} found, read from file headers only. Plain records so that Jackson writes the
 * {@code --json} form field for field in this order and the text form ({@link ReportText}) reads the same data.
 *
 * @param layout              {@link CheckpointLayout#label()}
 * @param configsFrom         where the diffusers configs came from (null for a plain safetensors file)
 * @param architecture        null when it could not be told ({@code architectureProblem} says why) or for plain files
 * @param components          parameter counts per model (unet, vae, text_encoder; "tensors" for a plain file), the
 *                            ignored and unknown tensors not included
 * @param ignored             known extras skipped by loaders (EMA weights, schedule buffers, position_ids), by reason
 * @param unknown             tensors that are neither mapped nor known extras: every name
 * @param problems            missing or mis-shaped tensors against the configs (a loader would refuse the checkpoint)
 */
public record CheckpointReport(String path, String layout, List<FileEntry> files, long totalBytes, String configsFrom,
                               Architecture architecture, String architectureProblem, List<ComponentEntry> components,
                               long totalParameters, int ignoredCount, List<IgnoredGroup> ignored, List<String> unknown,
                               List<String> problems, List<String> notes) {

    /** @param path as given, or relative to the inspected folder */
    public record FileEntry(String path, long bytes, int tensors, Map<String, String> metadata) {}

    /** @param dtypes tensor count per stored dtype ("F16" → 686), most frequent first */
    public record ComponentEntry(String name, long parameters, int tensors, Map<String, Integer> dtypes, long bytes) {}

    /** @param examples the first few names (the JSON and the text alike: a whole EMA copy is hundreds of names) */
    public record IgnoredGroup(String reason, int count, long parameters, List<String> examples) {}
}
