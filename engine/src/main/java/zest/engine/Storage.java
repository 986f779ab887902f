package zest.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.SoftReference;
import java.nio.ByteOrder;

/**
 * The flat buffer under a tensor. Compute results live in heap arrays ({@link Floats}); weights read from
 * files stay in (memory-mapped) segments in their stored dtype and are widened to float only when used.
 */
public abstract sealed class Storage permits Storage.Floats, Storage.Longs, Storage.Segment, Storage.OnDevice {

    public abstract DType dtype();

    /** Number of elements held. */
    public abstract long length();

    /** Element {@code i} widened to float. */
    public abstract float getFloat(int i);

    /** Element {@code i} as a long (integer storages; floats are truncated). */
    public abstract long getLong(int i);

    /** A heap float[] array of F32 values. */
    public static final class Floats extends Storage {
        final float[] data;

        public Floats(float[] data) { this.data = data; }

        public float[] array() { return data; }

        @Override public DType dtype() { return DType.F32; }
        @Override public long length() { return data.length; }
        @Override public float getFloat(int i) { return data[i]; }
        @Override public long getLong(int i) { return (long) data[i]; }
    }

    /** A heap long[] (I64, or I32 values widened). */
    public static final class Longs extends Storage {
        final long[] data;
        final DType dtype;

        public Longs(long[] data, DType dtype) { this.data = data; this.dtype = dtype; }

        public long[] array() { return data; }

        @Override public DType dtype() { return dtype; }
        @Override public long length() { return data.length; }
        @Override public float getFloat(int i) { return data[i]; }
        @Override public long getLong(int i) { return data[i]; }
    }

    /** Little-endian raw data in a memory segment (memory-mapped file or off-heap), any dtype. */
    public static final class Segment extends Storage {
        // explicitly little-endian (the file formats' order), not the platform's native order
        private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        final MemorySegment segment;
        final DType dtype;
        /** Widened copy kept while memory allows: weights are widened once, not on every forward. */
        private SoftReference<float[]> widened = new SoftReference<>(null);

        public Segment(MemorySegment segment, DType dtype) {
            if (segment.byteSize() % dtype.byteSize() != 0)
                throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is not a whole number of " + dtype);
            this.segment = segment;
            this.dtype = dtype;
        }

        public MemorySegment segment() { return segment; }

        @Override public DType dtype() { return dtype; }
        @Override public long length() { return segment.byteSize() / dtype.byteSize(); }

        @Override public float getFloat(int i) {
            long at = (long) i * dtype.byteSize();
            return switch (dtype) {
                case F32 -> segment.get(FLOAT, at);
                case F16 -> Float.float16ToFloat(segment.get(SHORT, at));
                case BF16 -> Float.intBitsToFloat(segment.get(SHORT, at) << 16);
                case I64 -> segment.get(LONG, at);
                case I32 -> segment.get(INT, at);
            };
        }

        @Override public long getLong(int i) {
            long at = (long) i * dtype.byteSize();
            return switch (dtype) {
                case I64 -> segment.get(LONG, at);
                case I32 -> segment.get(INT, at);
                default -> (long) getFloat(i);
            };
        }

        /** All elements widened to float (cached softly). */
        public float[] widenAll() {
            float[] cached = widened.get();
            if (cached != null) return cached;
            int n = Math.toIntExact(length());
            float[] out = new float[n];
            switch (dtype) {
                case F32 -> MemorySegment.copy(segment, FLOAT, 0, out, 0, n);
                case F16 -> { for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(segment.getAtIndex(SHORT, i)); }
                case BF16 -> { for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat(segment.getAtIndex(SHORT, i) << 16); }
                default -> { for (int i = 0; i < n; i++) out[i] = getFloat(i); }
            }
            widened = new SoftReference<>(out);
            return out;
        }
    }

    /**
     * Memory on an accelerator, owned by its backend ({@link zest.engine.device.Backends}). Ops on tensors over it
     * run on that device; reading values on the host ({@code floats()}, {@code item()}) copies them back.
     */
    public static final class OnDevice extends Storage {
        final zest.engine.device.DeviceMemory memory;

        public OnDevice(zest.engine.device.DeviceMemory memory) { this.memory = memory; }

        public zest.engine.device.DeviceMemory memory() { return memory; }

        @Override public DType dtype() { return memory.dtype(); }
        @Override public long length() { return memory.length(); }
        @Override public float getFloat(int i) { return memory.getFloat(i); }
        @Override public long getLong(int i) { return (long) memory.getFloat(i); }
    }
}
