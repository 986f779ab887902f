package zest.convert.ckpt;

import java.util.function.Function;

/**
 * An allowed pickle global that REDUCE may call (and, for container classes, NEWOBJ may instantiate). Each one only
 * builds plain data from its arguments: there is no way from here to any other Java or Python code.
 */
interface PickleCallable {
    /** The Python name, e.g. {@code torch._utils._rebuild_tensor_v2}, for messages. */
    String pythonName();

    /** REDUCE: {@code f(*args)}. Bad arguments give a {@link CheckpointException} saying which. */
    Object call(PickleTuple args);

    /** NEWOBJ: {@code cls.__new__(cls, *args)}; only container classes allow it. */
    default Object construct(PickleTuple args) {
        throw new CheckpointException(pythonName() + " is not a class that a checkpoint instantiates with NEWOBJ");
    }

    /** A function: REDUCE only. */
    static PickleCallable function(String pythonName, Function<PickleTuple, Object> body) {
        return new PickleCallable() {
            @Override public String pythonName() { return pythonName; }
            @Override public Object call(PickleTuple args) { return body.apply(args); }
            @Override public String toString() { return pythonName; }
        };
    }

    /** A container class: REDUCE calls it, NEWOBJ makes an empty instance (its items come by SETITEMS/ADDITEMS/BUILD). */
    static PickleCallable containerClass(String pythonName, Function<PickleTuple, Object> call, Function<PickleTuple, Object> empty) {
        return new PickleCallable() {
            @Override public String pythonName() { return pythonName; }
            @Override public Object call(PickleTuple args) { return call.apply(args); }
            @Override public Object construct(PickleTuple args) { return empty.apply(args); }
            @Override public String toString() { return pythonName; }
        };
    }
}
