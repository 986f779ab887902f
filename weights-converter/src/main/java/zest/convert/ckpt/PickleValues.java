package zest.convert.ckpt;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import zest.engine.Tensor;

/**
 * Naming the plain values an {@link Unpickler} builds, for messages and reports. Never recursive beyond one level:
 * a crafted pickle can nest containers arbitrarily deep or make them contain themselves.
 */
final class PickleValues {
    private PickleValues() {}

    private static final int MAX_TEXT = 60;

    /** Short description: {@code int 470000}, {@code str 'abc'}, {@code dict of 3 items}, {@code F16 tensor [77, 32]}. */
    static String describe(Object v) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case Long l -> "int " + l;
            case BigInteger b -> "int " + abbreviate(b.toString());
            case Double d -> "float " + d;
            case String s -> "str '" + abbreviate(s) + "'";
            case byte[] b -> "bytes of length " + b.length;
            case Tensor t -> t.dtype() + " tensor " + Arrays.toString(t.shape());
            case PickleTuple t -> "tuple of " + t.size() + (t.size() == 1 ? " item" : " items");
            case List<?> l -> "list of " + l.size() + (l.size() == 1 ? " item" : " items");
            case Map<?, ?> m -> "dict of " + m.size() + (m.size() == 1 ? " item" : " items");
            case Set<?> s -> "set of " + s.size() + (s.size() == 1 ? " item" : " items");
            case PickleCallable c -> c.pythonName();
            default -> v.toString();
        };
    }

    /** Python-ish kind name: {@code int}, {@code str}, {@code dict}, ... */
    static String kind(Object v) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> "bool";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case String s -> "str";
            case byte[] b -> "bytes";
            case Tensor t -> "tensor";
            case PickleTuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Set<?> s -> "set";
            case StorageRef s -> "storage";
            case PickleCallable c -> c.pythonName();
            default -> v.getClass().getSimpleName();
        };
    }

    /**
     * Values that can be dict keys and set items here: scalars and tuples of scalars. Their hashCode/equals cannot
     * recurse, which deep or self-containing containers would make them do.
     */
    static boolean isHashable(Object v) {
        if (isScalar(v)) return true;
        if (!(v instanceof PickleTuple t)) return false;
        for (Object o : t.items()) if (!isScalar(o)) return false;
        return true;
    }

    private static boolean isScalar(Object v) {
        return v == null || v instanceof String || v instanceof Long || v instanceof BigInteger || v instanceof Double
                || v instanceof Boolean || v instanceof TorchGlobals.TorchDtype || v instanceof StorageType;
    }

    static String abbreviate(String s) {
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "... (" + s.length() + " chars)";
    }
}
