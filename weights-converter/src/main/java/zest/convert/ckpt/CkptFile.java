package zest.convert.ckpt;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import zest.engine.Tensor;

/**
 * A PyTorch zip checkpoint ({@code torch.save} since PyTorch 1.6, e.g. the original CompVis/runwayml SD
 * {@code .ckpt} files) read without executing anything: the central directory is parsed by {@link ZipArchive}, the
 * pickle by the restricted {@link Unpickler}, which refuses every global that is not on {@link TorchGlobals}' list
 * (os.system, exec, ...) before it could run.
 *
 * <p>Tensors in F32, F16, BF16, I64 and I32 are zero-copy views of the file mapping with the storage offsets, sizes and
 * strides the pickle gives; uint8, int8, int16 and bool tensors are read as I64 copies and float64 ones as F32 copies
 * (the engine has no such dtypes). The state dict is {@code data.pkl}'s top-level dict, or its {@code "state_dict"}
 * entry when there is one (the Lightning layout of the SD checkpoints); everything else is listed by
 * {@link #ignoredEntries()}.
 */
public final class CkptFile {
    /** Sizes of the small marker entries we read whole. */
    private static final long MAX_MARKER = 64;
    private static final long MAX_PICKLE = Integer.MAX_VALUE - 8;
    private static final String STATE_DICT = "state_dict";

    private final Path path;
    private final String archiveName;
    private final String version;
    private final Map<String, Tensor> tensors;
    private final List<String> ignored;

    private CkptFile(Path path, String archiveName, String version, Map<String, Tensor> tensors, List<String> ignored) {
        this.path = path;
        this.archiveName = archiveName;
        this.version = version;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.ignored = List.copyOf(ignored);
    }

    /** File names read as PyTorch checkpoints: {@code .ckpt}, {@code .pt}, {@code .pth}. */
    public static boolean isCheckpointName(Path path) {
        Path f = path.getFileName();
        if (f == null) return false;
        String n = f.toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth");
    }

    /** Reads {@code path}; anything wrong with it, or refused in it, gives a {@link CheckpointException} naming it. */
    public static CkptFile open(Path path) {
        Objects.requireNonNull(path, "path");
        String label = path.toString();
        ZipArchive zip = ZipArchive.open(path);
        String prefix = archivePrefix(zip);
        checkByteOrder(zip, prefix);
        ZipArchive.Entry versionEntry = zip.entry(prefix + "version");
        String version = versionEntry == null ? null
                : new String(zip.checkedBytes(versionEntry, MAX_MARKER), StandardCharsets.UTF_8).trim();

        ZipArchive.Entry pickle = zip.entry(prefix + "data.pkl");
        byte[] pkl = zip.checkedBytes(pickle, MAX_PICKLE);
        CkptStorages storages = new CkptStorages(zip, prefix);
        Object root = Unpickler.load(label + ": " + pickle.name(), pkl, new Unpickler.Resolver() {
            @Override public Object global(String module, String name) { return TorchGlobals.resolve(label, module, name); }

            @Override public Object persistentLoad(Object pid) { return storages.load(pid); }
        });
        if (!(root instanceof Map<?, ?> top))
            throw new CheckpointException(label + ": " + pickle.name() + " holds a " + PickleValues.describe(root)
                    + ", not a dict of tensors (a state dict)");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        if (top.get(STATE_DICT) instanceof Map<?, ?> stateDict) {
            for (var e : top.entrySet())
                if (!STATE_DICT.equals(e.getKey())) ignored.add(entryName("", e.getKey()) + ": " + PickleValues.describe(e.getValue()));
            collect(stateDict, STATE_DICT + ".", tensors, ignored);
        } else {
            collect(top, "", tensors, ignored);
        }
        return new CkptFile(path, prefix.substring(0, prefix.length() - 1), version, tensors, ignored);
    }

    public Path path() { return path; }

    /** The archive's top folder name (torch.save uses the file's stem; older versions "archive"). */
    public String archiveName() { return archiveName; }

    /** The content of {@code <archive>/version} (the serialization format version), or null if absent. */
    public String formatVersion() { return version; }

    /** The state dict's tensors, in pickle order. */
    public Map<String, Tensor> tensors() { return tensors; }

    /** Everything read but not a state-dict tensor, e.g. {@code "global_step: int 470000"}. */
    public List<String> ignoredEntries() { return ignored; }

    @Override public String toString() { return "CkptFile[" + path + ", " + tensors.size() + " tensors]"; }

    private static void collect(Map<?, ?> dict, String prefix, Map<String, Tensor> tensors, List<String> ignored) {
        for (var e : dict.entrySet()) {
            if (e.getKey() instanceof String name && e.getValue() instanceof Tensor t) tensors.put(name, t);
            else ignored.add(entryName(prefix, e.getKey()) + ": " + PickleValues.describe(e.getValue()));
        }
    }

    private static String entryName(String prefix, Object key) {
        return key instanceof String s ? prefix + PickleValues.abbreviate(s) : prefix + "[" + PickleValues.describe(key) + "]";
    }

    /** {@code "<archive>/"}: the one top folder holding a data.pkl. */
    private static String archivePrefix(ZipArchive zip) {
        List<String> found = new ArrayList<>();
        for (String name : zip.entries().keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.indexOf('/', slash + 1) < 0 && name.endsWith("/data.pkl")) found.add(name.substring(0, slash + 1));
        }
        if (found.size() == 1) return found.getFirst();
        if (found.size() > 1)
            throw new CheckpointException(zip.label() + ": the zip holds " + found.size() + " checkpoints (" + String.join(", ", found)
                    + "); a torch.save file holds one");
        for (String name : zip.entries().keySet())
            if (name.endsWith("/constants.pkl") || name.contains("/code/"))
                throw new CheckpointException(zip.label() + ": a TorchScript archive (torch.jit.save), not a checkpoint of tensors");
        throw new CheckpointException(zip.label() + ": a zip file without <archive>/data.pkl: not a PyTorch checkpoint");
    }

    private static void checkByteOrder(ZipArchive zip, String prefix) {
        ZipArchive.Entry e = zip.entry(prefix + "byteorder");
        if (e == null) return; // written since PyTorch 1.13; before that always little-endian
        String order = new String(zip.checkedBytes(e, MAX_MARKER), StandardCharsets.UTF_8).trim();
        if (order.equals("little")) return;
        if (order.equals("big"))
            throw new CheckpointException(zip.label() + ": saved on a big-endian machine; only little-endian checkpoints are read");
        throw new CheckpointException(zip.label() + ": " + e.name() + " says '" + PickleValues.abbreviate(order)
                + "', not 'little' or 'big' (file damaged?)");
    }
}
