package zest.diffusion.checkpoint;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zest.convert.TensorSource;
import zest.convert.ckpt.CkptFile;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;
import zest.engine.io.TensorInfo;

/**
 * A single-file checkpoint for inspect and convert, whatever its format: a safetensors file (only its header is
 * read until a tensor is used) or a PyTorch {@code .ckpt}/{@code .pt}/{@code .pth} (its pickle is read by the
 * restricted unpickler, which executes nothing; the tensors are zero-copy views of the file).
 */
final class SingleFile implements TensorSource {
    private final Path path;
    private final SafetensorsFile safetensors;
    private final Map<String, Tensor> ckptTensors;
    private final List<String> names;

    private SingleFile(Path path, SafetensorsFile safetensors, Map<String, Tensor> ckptTensors) {
        this.path = path;
        this.safetensors = safetensors;
        this.ckptTensors = ckptTensors;
        this.names = safetensors != null ? safetensors.names() : List.copyOf(ckptTensors.keySet());
    }

    /** Opens {@code path} as a .ckpt when its name says so ({@link CkptFile#isCheckpointName}), else as safetensors. */
    static SingleFile open(Path path) {
        if (CkptFile.isCheckpointName(path)) return new SingleFile(path, null, CkptFile.open(path).tensors());
        return new SingleFile(path, SafetensorsFile.open(path), null);
    }

    @Override public Path path() { return path; }

    @Override public List<String> names() { return names; }

    /** Number of tensors. */
    int size() { return names.size(); }

    @Override public int[] shape(String name) { return info(name).shape(); }

    /**
     * The header entry of {@code name}. A .ckpt tensor has no byte range in a data area: its entry spans its
     * element count in its engine dtype from 0.
     */
    TensorInfo info(String name) {
        if (safetensors != null) return safetensors.info(name);
        Tensor t = tensor(name);
        return new TensorInfo(name, t.dtype(), t.shape(), 0, (long) t.numel() * t.dtype().byteSize());
    }

    @Override public Tensor tensor(String name) {
        if (safetensors != null) return safetensors.tensor(name);
        Tensor t = ckptTensors.get(name);
        if (t == null) throw new IllegalArgumentException(path + ": no tensor named " + name);
        return t;
    }

    /** All tensors in file order (zero-copy). */
    Map<String, Tensor> tensors() { return safetensors != null ? safetensors.tensors() : new LinkedHashMap<>(ckptTensors); }

    /** The safetensors {@code __metadata__}; a .ckpt has none. */
    Map<String, String> metadata() { return safetensors != null ? safetensors.metadata() : Map.of(); }
}
