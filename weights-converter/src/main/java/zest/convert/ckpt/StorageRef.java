package zest.convert.ckpt;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;
import zest.engine.Storage;

/**
 * A storage a persistent id stands for: the raw little-endian bytes of {@code <archive>/data/<key>} (a slice of the
 * file mapping), holding exactly {@code numel} elements of {@code type}. For element types the engine cannot view in
 * place, the converted copy is made once and shared by every tensor of the storage, so a pickle that rebuilds many
 * tensors over one storage cannot multiply the memory it takes.
 */
final class StorageRef {
    private final String key;
    private final StorageType type;
    private final MemorySegment bytes;
    private final long numel;
    private Storage converted;

    StorageRef(String key, StorageType type, MemorySegment bytes, long numel) {
        this.key = key;
        this.type = type;
        this.bytes = bytes;
        this.numel = numel;
    }

    String key() { return key; }

    StorageType type() { return type; }

    MemorySegment bytes() { return bytes; }

    long numel() { return numel; }

    /** The whole storage converted by {@code convert} (called once). */
    Storage converted(Function<MemorySegment, Storage> convert) {
        if (converted == null) converted = convert.apply(bytes);
        return converted;
    }

    @Override public String toString() { return type + " '" + PickleValues.abbreviate(key) + "' of " + numel + " elements"; }
}
