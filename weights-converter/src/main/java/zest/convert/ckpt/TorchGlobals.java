package zest.convert.ckpt;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The allow-list of pickle globals: the few Python names a tensor checkpoint refers to, each mapped to a value that
 * builds plain data. Any other name is refused at its GLOBAL opcode, before the pickle could call it, with a message
 * naming it. The list is close to PyTorch's own {@code weights_only=True} loader.
 */
final class TorchGlobals {
    private TorchGlobals() {}

    /** A {@code torch.<dtype>} constant (e.g. {@code torch.float16}); inert, kept only as a value. */
    record TorchDtype(String name) {
        @Override public String toString() { return "torch." + name; }
    }

    private static final Map<String, Object> ALLOWED = new HashMap<>();

    static {
        allow(PickleCallable.containerClass("collections.OrderedDict", TorchGlobals::orderedDict, args -> new LinkedHashMap<>()));
        allow(PickleCallable.containerClass("builtins.set", TorchGlobals::set, args -> new LinkedHashSet<>()));
        allow(PickleCallable.containerClass("builtins.frozenset", TorchGlobals::set, args -> new LinkedHashSet<>()));
        allow(PickleCallable.function("torch._utils._rebuild_tensor_v2", TensorRebuild::rebuildTensorV2));
        allow(PickleCallable.function("torch._utils._rebuild_tensor", TensorRebuild::rebuildTensor));
        allow(PickleCallable.function("torch._utils._rebuild_parameter", TensorRebuild::rebuildParameter));
        allow(PickleCallable.function("torch._utils._rebuild_parameter_with_state", TensorRebuild::rebuildParameter));
        allow(PickleCallable.function("torch.Size", TorchGlobals::size));
        allow(PickleCallable.function("torch.device", TorchGlobals::device));
        // protocol 2 has no bytes opcode: Python 3 pickles bytes as _codecs.encode(text, 'latin1')
        allow(PickleCallable.function("_codecs.encode", TorchGlobals::encode));
        for (StorageType t : StorageType.values()) ALLOWED.put("torch." + t.className(), t);
        ALLOWED.put("torch.storage.UntypedStorage", StorageType.UNTYPED);
        for (String d : List.of("float32", "float", "float16", "half", "bfloat16", "float64", "double", "int64", "long",
                "int32", "int", "int16", "short", "int8", "uint8", "bool"))
            ALLOWED.put("torch." + d, new TorchDtype(d));
    }

    private static void allow(PickleCallable c) { ALLOWED.put(c.pythonName(), c); }

    /**
     * What {@code module name} stands for, or a {@link CheckpointException} refusing it: "refusing to load
     * {@code label}: ...".
     */
    static Object resolve(String label, String module, String name) {
        String python = pythonName(module, name);
        Object v = ALLOWED.get(python);
        if (v != null) return v;
        if (module.equals("torch") && name.endsWith("Storage"))
            throw new CheckpointException("refusing to load " + label + ": it holds a " + python + ", a storage type zest does not"
                    + " read (supported: float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8 and bool storages)");
        throw new CheckpointException("refusing to load " + label + ": its pickle asks for " + python + " (pickle global '"
                + PickleValues.abbreviate(module) + " " + PickleValues.abbreviate(name) + "'), which a tensor checkpoint never needs;"
                + " nothing was executed. Only tensors, their storages and plain containers are read from a .ckpt:"
                + " if you trust the file, convert it to .safetensors with PyTorch");
    }

    /** The name as Python 3 code would write it: protocol 2 pickles use Python 2 module names, os functions their platform module. */
    static String pythonName(String module, String name) {
        String m = switch (module) {
            case "__builtin__" -> "builtins";
            case "copy_reg" -> "copyreg";
            case "commands" -> "subprocess";
            case "posix", "nt" -> "os";
            default -> module;
        };
        return m + "." + name;
    }

    private static Object orderedDict(PickleTuple args) {
        Map<Object, Object> m = new LinkedHashMap<>();
        if (args.size() == 0) return m;
        if (args.size() > 1 || !(args.get(0) instanceof List<?> pairs))
            throw new CheckpointException("collections.OrderedDict called with " + args + " instead of nothing or a list of pairs");
        for (Object p : pairs) {
            if (!(p instanceof PickleTuple t) || t.size() != 2 || !PickleValues.isHashable(t.get(0)))
                throw new CheckpointException("collections.OrderedDict called with a " + PickleValues.kind(p) + " among its (key, value) pairs");
            m.put(t.get(0), t.get(1));
        }
        return m;
    }

    private static Object set(PickleTuple args) {
        Set<Object> s = new LinkedHashSet<>();
        if (args.size() == 0) return s;
        if (args.size() > 1 || !(args.get(0) instanceof List<?> items))
            throw new CheckpointException("set called with " + args + " instead of nothing or a list");
        for (Object o : items) {
            if (!PickleValues.isHashable(o)) throw new CheckpointException("a " + PickleValues.kind(o) + " as a set item");
            s.add(o);
        }
        return s;
    }

    private static Object size(PickleTuple args) {
        if (args.size() != 1 || !(args.get(0) instanceof PickleTuple dims))
            throw new CheckpointException("torch.Size called with " + args + " instead of one tuple");
        for (Object d : dims.items())
            if (!(d instanceof Long)) throw new CheckpointException("torch.Size with a " + PickleValues.kind(d) + " among its sizes");
        return dims;
    }

    private static Object device(PickleTuple args) {
        if (args.size() == 1 && args.get(0) instanceof String s) return s;
        if (args.size() == 2 && args.get(0) instanceof String s && args.get(1) instanceof Long i) return s + ":" + i;
        throw new CheckpointException("torch.device called with " + args);
    }

    private static Object encode(PickleTuple args) {
        if (args.size() == 2 && args.get(0) instanceof String s && args.get(1) instanceof String enc
                && (enc.equals("latin1") || enc.equals("latin-1")))
            return s.getBytes(StandardCharsets.ISO_8859_1);
        throw new CheckpointException("_codecs.encode is only allowed as (str, 'latin1'), the way pickle writes bytes; got " + args);
    }
}
