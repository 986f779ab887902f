package zest.convert.ckpt;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** A Python tuple from a pickle: an immutable list whose items may be null (None). */
record PickleTuple(List<Object> items) {
    static final PickleTuple EMPTY = new PickleTuple(List.of());

    PickleTuple {
        items = Collections.unmodifiableList(Arrays.asList(items.toArray()));
    }

    static PickleTuple of(Object... items) { return new PickleTuple(Arrays.asList(items)); }

    int size() { return items.size(); }

    Object get(int i) { return items.get(i); }

    @Override public String toString() { return PickleValues.describe(this); }
}
