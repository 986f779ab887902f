package zest.diffusion.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import zest.nn.JsonConfig;

/**
 * The files holding one diffusers component's weights, found the way {@link zest.nn.sd.WeightFiles} loads them
 * ({@code <base>.safetensors}, else its {@code .fp16} variant, each possibly sharded with an index), but only named,
 * not opened: inspect reads their headers itself.
 */
final class ComponentWeightFiles {
    private ComponentWeightFiles() {}

    /** The weight files of {@code componentDir}, or an empty list when it has none zest can read. */
    static List<Path> find(Path componentDir, String baseName) {
        for (String stem : List.of(baseName, baseName + ".fp16")) {
            Path single = componentDir.resolve(stem + ".safetensors");
            if (Files.isRegularFile(single)) return List.of(single);
            Path index = componentDir.resolve(stem + ".safetensors.index.json");
            if (Files.isRegularFile(index)) return shards(index);
        }
        return List.of();
    }

    /** The shard files an index names, in first-mention order ({"weight_map": {tensor: shard file}}). */
    private static List<Path> shards(Path index) {
        JsonNode map = JsonConfig.read(index).node("weight_map");
        if (map == null || !map.isObject()) throw new CheckpointException(index + ": 'weight_map' must be an object");
        Set<String> names = new LinkedHashSet<>();
        map.elements().forEachRemaining(f -> {
            if (!f.isTextual() || f.asText().contains("/") || f.asText().contains("\\"))
                throw new CheckpointException(index + ": 'weight_map' values must be file names in the same folder, got " + f);
            names.add(f.asText());
        });
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            Path p = index.resolveSibling(n);
            if (!Files.isRegularFile(p)) throw new CheckpointException(p + ": shard named in " + index.getFileName() + " not found");
            out.add(p);
        }
        return out;
    }
}
