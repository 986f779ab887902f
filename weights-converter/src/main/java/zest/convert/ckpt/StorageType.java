package zest.convert.ckpt;

import zest.engine.DType;

/**
 * The torch storage classes a checkpoint's persistent ids name ({@code torch.HalfStorage}, ...), with their element
 * type. The engine holds F32, F16, BF16, I64 and I32 zero-copy over the file; the other element types are read into
 * heap copies of an engine dtype that holds every value: integers and bools as I64 (bools as 0/1), float64 as F32
 * (rounded to nearest, the one lossy case).
 */
enum StorageType {
    FLOAT("FloatStorage", "float32", 4, DType.F32),
    HALF("HalfStorage", "float16", 2, DType.F16),
    BFLOAT16("BFloat16Storage", "bfloat16", 2, DType.BF16),
    LONG("LongStorage", "int64", 8, DType.I64),
    INT("IntStorage", "int32", 4, DType.I32),
    BYTE("ByteStorage", "uint8", 1, null),
    CHAR("CharStorage", "int8", 1, null),
    SHORT("ShortStorage", "int16", 2, null),
    BOOL("BoolStorage", "bool", 1, null),
    DOUBLE("DoubleStorage", "float64", 8, null),
    /** torch 2.x's untyped storage: raw bytes, rebuilt as uint8. */
    UNTYPED("UntypedStorage", "uint8", 1, null);

    private final String className;
    private final String dtypeName;
    private final int elementSize;
    private final DType zeroCopy;

    StorageType(String className, String dtypeName, int elementSize, DType zeroCopy) {
        this.className = className;
        this.dtypeName = dtypeName;
        this.elementSize = elementSize;
        this.zeroCopy = zeroCopy;
    }

    /** The class name under {@code torch}, e.g. {@code HalfStorage}. */
    String className() { return className; }

    /** torch's dtype name, e.g. {@code float16}. */
    String dtypeName() { return dtypeName; }

    int elementSize() { return elementSize; }

    /** The engine dtype to view the bytes as without copying, or null when they must be converted. */
    DType zeroCopy() { return zeroCopy; }

    /** The engine dtype a tensor of this storage has. */
    DType engineDtype() {
        if (zeroCopy != null) return zeroCopy;
        return this == DOUBLE ? DType.F32 : DType.I64;
    }

    /** The type for {@code torch.<name>}, or null. */
    static StorageType byClassName(String name) {
        for (StorageType t : values()) if (t.className.equals(name)) return t;
        return null;
    }

    @Override public String toString() { return "torch." + className; }
}
