package zest.kernels.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import zest.engine.DType;
import zest.engine.device.Device;
import zest.engine.device.DeviceMemory;
import zest.kernels.cuda.CudaDriver;
import zest.kernels.device.CudaContext;
import zest.kernels.device.DeviceBuffer;

/** A tensor storage's memory on a GPU: a buffer from the context's caching allocator, freed with this object. */
final class CudaMemory implements DeviceMemory {
    private final CudaContext context;
    private final DeviceBuffer buffer;
    private final DType dtype;
    private final long length;

    private CudaMemory(CudaContext context, DType dtype, long length) {
        this.context = context;
        this.dtype = dtype;
        this.length = length;
        this.buffer = context.allocator().allocate(Math.max(length * dtype.byteSize(), 1), this);
    }

    static CudaMemory allocate(CudaContext context, DType dtype, long length) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16)
            throw new IllegalArgumentException("the CUDA backend holds F32, F16 and BF16 tensors, not " + dtype
                    + " (integer ids stay on the CPU; ops that take them run there)");
        return new CudaMemory(context, dtype, length);
    }

    CudaContext context() { return context; }

    /** The CUdeviceptr of element {@code index}. */
    long address(long index) { return buffer.address() + index * dtype.byteSize(); }

    long address() { return buffer.address(); }

    @Override public Device device() { return Device.cuda(context.ordinal()); }

    @Override public DType dtype() { return dtype; }

    @Override public long length() { return length; }

    @Override
    public float getFloat(long index) {
        if (index < 0 || index >= length) throw new IndexOutOfBoundsException("element " + index + " of " + length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(4);
            context.makeCurrent();
            CudaDriver.copyDeviceToHostAsync(host, address(index), dtype.byteSize(), context.stream());
            context.synchronize();
            return switch (dtype) {
                case F32 -> host.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0);
                case F16 -> Float.float16ToFloat(host.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
                case BF16 -> Float.intBitsToFloat(host.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) << 16);
                default -> throw new IllegalStateException(dtype.toString());
            };
        }
    }
}
