package zest.convert;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zest.convert.ckpt.CkptFile;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;

/**
 * Named tensors of one checkpoint file, whatever its format: what {@link LdmCheckpoint#read(TensorSource)} maps. A
 * safetensors file answers shapes from its header without touching the data; a .ckpt has its tensors already.
 */
public interface TensorSource {
    /** The file, for messages. */
    Path path();

    /** Tensor names in file order. */
    List<String> names();

    /** The shape of {@code name}, which must be one of {@link #names()}. */
    int[] shape(String name);

    /** The tensor {@code name} (zero-copy where the format allows). */
    Tensor tensor(String name);

    /** Every name with its shape, in file order. */
    default Map<String, int[]> shapes() {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (String n : names()) out.put(n, shape(n));
        return out;
    }

    /** Opens a PyTorch checkpoint ({@code .ckpt}, {@code .pt}, {@code .pth}) or else a safetensors file. */
    static TensorSource open(Path path) {
        return CkptFile.isCheckpointName(path) ? of(path, CkptFile.open(path).tensors()) : of(SafetensorsFile.open(path));
    }

    static TensorSource of(SafetensorsFile file) {
        return new TensorSource() {
            @Override public Path path() { return file.path(); }
            @Override public List<String> names() { return file.names(); }
            @Override public int[] shape(String name) { return file.info(name).shape(); }
            @Override public Tensor tensor(String name) { return file.tensor(name); }
        };
    }

    /** Tensors already in memory (e.g. {@link CkptFile#tensors()}); {@code path} names them in messages. */
    static TensorSource of(Path path, Map<String, Tensor> tensors) {
        Map<String, Tensor> copy = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        List<String> names = List.copyOf(copy.keySet());
        return new TensorSource() {
            @Override public Path path() { return path; }
            @Override public List<String> names() { return names; }
            @Override public int[] shape(String name) { return tensor(name).shape(); }
            @Override public Tensor tensor(String name) {
                Tensor t = copy.get(name);
                if (t == null) throw new IllegalArgumentException(path + ": no tensor named " + name);
                return t;
            }
        };
    }
}
