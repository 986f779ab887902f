package zest.convert.ckpt;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The persistent-id loader of a checkpoint: {@code ('storage', storage_type, key, location, numel)} becomes the
 * {@link StorageRef} over {@code <archive>/data/<key>}, checked to hold exactly {@code numel} elements. Tensors that
 * share a storage get the same one, as torch's loader does.
 */
final class CkptStorages {
    private final ZipArchive zip;
    private final String prefix;
    private final Map<String, StorageRef> loaded = new HashMap<>();

    CkptStorages(ZipArchive zip, String prefix) {
        this.zip = zip;
        this.prefix = prefix;
    }

    /** Number of distinct storages loaded so far. */
    int count() { return loaded.size(); }

    StorageRef load(Object pid) {
        String label = zip.label();
        if (!(pid instanceof PickleTuple t) || t.size() != 5 || !"storage".equals(t.get(0)))
            throw new CheckpointException(label + ": a persistent id " + PickleValues.describe(pid)
                    + " that is not a ('storage', type, key, location, numel) record");
        if (!(t.get(1) instanceof StorageType type))
            throw new CheckpointException(label + ": a storage record whose type is " + PickleValues.describe(t.get(1))
                    + ", not a torch storage class");
        if (!(t.get(2) instanceof String key))
            throw new CheckpointException(label + ": a storage record whose key is " + PickleValues.describe(t.get(2)) + ", not a str");
        if (!(t.get(4) instanceof Long numel) || numel < 0)
            throw new CheckpointException(label + ": storage '" + PickleValues.abbreviate(key) + "' has element count "
                    + PickleValues.describe(t.get(4)));
        // the location ('cpu', 'cuda:0') only says where torch would put it; every storage here is read from the file
        StorageRef seen = loaded.get(key);
        if (seen != null) {
            if (seen.type() != type || seen.numel() != numel)
                throw new CheckpointException(label + ": storage '" + PickleValues.abbreviate(key) + "' is named both as "
                        + seen.type() + " of " + seen.numel() + " elements and as " + type + " of " + numel + " (file damaged or crafted)");
            return seen;
        }
        String name = prefix + "data/" + key;
        ZipArchive.Entry e = zip.entry(name);
        if (e == null)
            throw new CheckpointException(label + ": the pickle refers to storage '" + PickleValues.abbreviate(key) + "' but the zip has no "
                    + PickleValues.abbreviate(name) + " (file incomplete?)");
        MemorySegment bytes = zip.data(e);
        if (numel > bytes.byteSize() / type.elementSize() || numel * type.elementSize() != bytes.byteSize())
            throw new CheckpointException(label + ": " + name + " holds " + bytes.byteSize() + " bytes, but the pickle says it is "
                    + type + " of " + numel + " elements (" + type.elementSize() + " bytes each)");
        StorageRef ref = new StorageRef(key, type, bytes, numel);
        loaded.put(key, ref);
        return ref;
    }
}
