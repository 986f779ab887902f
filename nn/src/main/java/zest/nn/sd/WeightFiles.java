package zest.nn.sd;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;
import zest.nn.ConfigException;
import zest.nn.JsonConfig;
import zest.nn.WeightsException;

/**
 * Finds and memory-maps one diffusers component's weights: {@code <base>.safetensors}, its {@code .fp16} variant,
 * or a sharded {@code <base>.safetensors.index.json}. Tensors stay in their stored dtype (zero-copy).
 */
public final class WeightFiles {
    private WeightFiles() {}

    /**
     * The tensors of {@code componentDir/<baseName>[.variant].safetensors}. With a variant (e.g. "fp16") that file
     * is preferred; otherwise, or when it is absent, the plain file, then any variant found, as a fallback.
     */
    public static Map<String, Tensor> load(Path componentDir, String baseName, String variant) {
        if (!Files.isDirectory(componentDir))
            throw new WeightsException(componentDir + ": component folder not found");
        List<String> candidates = new ArrayList<>();
        if (variant != null) candidates.add(baseName + "." + variant);
        candidates.add(baseName);
        if (variant == null || !variant.equals("fp16")) candidates.add(baseName + ".fp16");
        List<Path> tried = new ArrayList<>();
        for (String stem : candidates) {
            Path single = componentDir.resolve(stem + ".safetensors");
            tried.add(single);
            if (Files.isRegularFile(single)) return read(single);
            Path index = componentDir.resolve(stem + ".safetensors.index.json");
            tried.add(index);
            if (Files.isRegularFile(index)) return readSharded(index);
        }
        String pickle = Files.isRegularFile(componentDir.resolve(baseName + ".bin"))
                ? " (" + baseName + ".bin is a pickle checkpoint, which zest does not read: convert it to safetensors)" : "";
        throw new WeightsException(componentDir + ": no weights file found; tried " + tried + pickle);
    }

    static Map<String, Tensor> read(Path file) {
        return SafetensorsFile.open(file).tensors();
    }

    /** transformers/diffusers shard index: {"weight_map": {tensor name: shard file name}}. */
    static Map<String, Tensor> readSharded(Path index) {
        JsonConfig json = JsonConfig.read(index);
        JsonNode map = json.node("weight_map");
        if (map == null || !map.isObject()) throw new ConfigException(index + ": 'weight_map' must be an object");
        Set<String> shards = new LinkedHashSet<>();
        for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
            JsonNode f = it.next();
            if (!f.isTextual() || f.asText().contains("/") || f.asText().contains("\\"))
                throw new ConfigException(index + ": 'weight_map' values must be file names in the same folder, got " + f);
            shards.add(f.asText());
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String shard : shards) {
            Path p = index.resolveSibling(shard);
            if (!Files.isRegularFile(p)) throw new WeightsException(p + ": shard named in " + index.getFileName() + " not found");
            for (var e : read(p).entrySet())
                if (out.put(e.getKey(), e.getValue()) != null)
                    throw new WeightsException(p + ": tensor '" + e.getKey() + "' also appears in another shard");
        }
        return out;
    }
}
