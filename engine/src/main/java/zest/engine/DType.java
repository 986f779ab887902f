package zest.engine;

/** Element types. F32 is the compute type; F16/BF16 are storage types widened on use; I64/I32 hold ids. */
public enum DType {
    F32(4), F16(2), BF16(2), I64(8), I32(4);

    private final int byteSize;

    DType(int byteSize) { this.byteSize = byteSize; }

    public int byteSize() { return byteSize; }

    public boolean isFloating() { return this == F32 || this == F16 || this == BF16; }

    /** The safetensors name of this dtype ("F32", "F16", ...). */
    public String safetensorsName() { return name(); }
}
