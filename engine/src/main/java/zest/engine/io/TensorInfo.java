package zest.engine.io;

import java.util.Arrays;
import zest.engine.DType;

/**
 * One tensor's header entry in a safetensors file. {@code begin}/{@code end} are the header's
 * {@code data_offsets}: byte offsets relative to the start of the data area (which follows the 8-byte length and the
 * header), end exclusive.
 */
public record TensorInfo(String name, DType dtype, int[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    /** A copy of the shape. */
    @Override public int[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    /** Element count (1 for a 0-d tensor). */
    public long numel() {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    /** Bytes of data ({@code end - begin}). */
    public long byteSize() { return end - begin; }

    @Override public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override public int hashCode() { return (name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape); }

    @Override public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
