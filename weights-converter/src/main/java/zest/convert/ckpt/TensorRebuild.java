package zest.convert.ckpt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import zest.engine.Storage;
import zest.engine.Tensor;

/**
 * {@code torch._utils._rebuild_tensor_v2} and friends: a tensor as a view (storage offset, sizes, strides) of a
 * checkpoint storage. A zero-copy view gets its own storage over just the elements it can reach, so it keeps only its
 * slice of the file and offsets fit the engine's int indices even in a storage of billions of elements.
 */
final class TensorRebuild {
    private TensorRebuild() {}

    /** The engine indexes elements with int; stay clear of the array size limit like SafetensorsFile does. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    static final int MAX_RANK = 64;

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    static Object rebuildTensorV2(PickleTuple args) {
        String fn = "torch._utils._rebuild_tensor_v2";
        if (args.size() != 6 && args.size() != 7)
            throw new CheckpointException(fn + " called with " + args.size() + " arguments instead of 6 or 7");
        if (!(args.get(4) instanceof Boolean))
            throw new CheckpointException(fn + ": requires_grad is a " + PickleValues.kind(args.get(4)) + ", not a bool");
        // backward hooks cannot be restored without code (torch drops them too); the metadata is plain data we do not need
        if (args.get(5) != null && !(args.get(5) instanceof Map))
            throw new CheckpointException(fn + ": backward_hooks is a " + PickleValues.kind(args.get(5)) + ", not a dict");
        return view(fn, args.get(0), args.get(1), args.get(2), args.get(3));
    }

    /** The pre-1.0 {@code _rebuild_tensor(storage, storage_offset, size, stride)}. */
    static Object rebuildTensor(PickleTuple args) {
        String fn = "torch._utils._rebuild_tensor";
        if (args.size() != 4) throw new CheckpointException(fn + " called with " + args.size() + " arguments instead of 4");
        return view(fn, args.get(0), args.get(1), args.get(2), args.get(3));
    }

    /** {@code _rebuild_parameter(data, requires_grad, backward_hooks[, state])}: a Parameter is its data here. */
    static Object rebuildParameter(PickleTuple args) {
        if (args.size() < 3 || args.size() > 4 || !(args.get(0) instanceof Tensor t))
            throw new CheckpointException("torch._utils._rebuild_parameter called with " + args + " instead of (tensor, requires_grad, hooks[, state])");
        return t;
    }

    private static Tensor view(String fn, Object storageArg, Object offsetArg, Object sizeArg, Object strideArg) {
        if (!(storageArg instanceof StorageRef storage))
            throw new CheckpointException(fn + ": the storage argument is a " + PickleValues.kind(storageArg) + ", not a storage");
        if (!(offsetArg instanceof Long offset) || offset < 0)
            throw new CheckpointException(fn + ": storage offset " + PickleValues.describe(offsetArg) + " is not a non-negative int");
        long[] size = dims(fn, "size", sizeArg), stride = dims(fn, "stride", strideArg);
        if (size.length != stride.length)
            throw new CheckpointException(fn + ": size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride) + " differ in rank");
        long numel = 1, last = offset;
        try {
            for (int d = 0; d < size.length; d++) {
                numel = Math.multiplyExact(numel, size[d]);
                if (size[d] > 0) last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
            }
        } catch (ArithmeticException e) {
            throw new CheckpointException(fn + ": size " + Arrays.toString(size) + " stride " + Arrays.toString(stride) + " overflows");
        }
        if (numel > MAX_ELEMENTS)
            throw new CheckpointException(fn + ": a tensor of " + numel + " elements, more than one engine tensor can hold");
        long first = numel == 0 ? 0 : offset, span = numel == 0 ? 0 : last - offset + 1;
        if (numel > 0 && last >= storage.numel())
            throw new CheckpointException(fn + ": the view (offset " + offset + ", size " + Arrays.toString(size) + ", stride "
                    + Arrays.toString(stride) + ") reaches element " + last + " of " + storage + " (file damaged?)");
        if (span > MAX_ELEMENTS)
            throw new CheckpointException(fn + ": the view spans " + span + " storage elements, more than the engine can index");
        int es = storage.type().elementSize();
        if (storage.type().zeroCopy() != null) {
            MemorySegment bytes = storage.bytes().asSlice(first * es, span * es);
            return Tensor.view(new Storage.Segment(bytes, storage.type().zeroCopy()), toInts(size), toInts(stride), 0);
        }
        // converted once per storage and shared, so the copy is bounded by the storage's bytes in the file
        if (storage.numel() > MAX_ELEMENTS)
            throw new CheckpointException(fn + ": " + storage + " is too large to convert to " + storage.type().engineDtype());
        Storage s = storage.converted(b -> copy(b, storage.type()));
        return Tensor.view(s, toInts(size), toInts(stride), (int) first);
    }

    private static long[] dims(String fn, String what, Object arg) {
        if (!(arg instanceof PickleTuple t))
            throw new CheckpointException(fn + ": " + what + " is a " + PickleValues.kind(arg) + ", not a tuple");
        if (t.size() > MAX_RANK) throw new CheckpointException(fn + ": " + what + " has " + t.size() + " dimensions");
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            // strides are never negative in torch; a size or stride past int cannot index an engine tensor
            if (!(t.get(i) instanceof Long v) || v < 0 || v > MAX_ELEMENTS)
                throw new CheckpointException(fn + ": " + what + " holds " + PickleValues.describe(t.get(i))
                        + ", not an int in 0.." + MAX_ELEMENTS);
            out[i] = v;
        }
        return out;
    }

    private static int[] toInts(long[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (int) a[i];
        return out;
    }

    /** The element types the engine cannot view in place, widened into a heap copy (bounded: the bytes are in the file). */
    private static Storage copy(MemorySegment bytes, StorageType type) {
        int n = (int) (bytes.byteSize() / type.elementSize());
        if (type == StorageType.DOUBLE) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) f[i] = (float) bytes.getAtIndex(DOUBLE, i);
            return new Storage.Floats(f);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (type) {
                case BYTE, UNTYPED -> bytes.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                case CHAR -> bytes.get(ValueLayout.JAVA_BYTE, i);
                case BOOL -> bytes.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
                case SHORT -> bytes.getAtIndex(SHORT, i);
                default -> throw new IllegalStateException("no copy for " + type);
            };
        }
        return new Storage.Longs(v, zest.engine.DType.I64);
    }
}
