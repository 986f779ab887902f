package zest.kernels.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import zest.engine.DType;
import zest.engine.Storage;
import zest.engine.Tensor;
import zest.kernels.cuda.CudaDriver;
import zest.kernels.device.CudaContext;

/**
 * Host ↔ device copies, the only places data crosses: on the context's stream, synchronized before returning so
 * host buffers can be freed. A whole memory-mapped weight goes over as stored (F16/BF16 stay 16-bit); anything
 * else is sent as F32.
 */
final class Transfers {
    private Transfers() {}

    static Tensor upload(Tensor t, CudaContext ctx) {
        if (!t.dtype().isFloating()) throw new IllegalArgumentException("only floating tensors move to a GPU, this one is " + t.dtype());
        if (t.storage() instanceof Storage.Segment s && t.isContiguous() && t.offset() == 0 && s.length() == t.numel()) {
            CudaMemory m = CudaMemory.allocate(ctx, s.dtype(), s.length());
            copyIn(ctx, m, s.segment(), s.segment().byteSize());
            return CudaTensors.wrap(m, t.shape());
        }
        float[] v = t.toFloatArray();
        CudaMemory m = CudaMemory.allocate(ctx, DType.F32, v.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate((long) v.length * 4, 64);
            MemorySegment.copy(v, 0, host, ValueLayout.JAVA_FLOAT, 0, v.length);
            copyIn(ctx, m, host, host.byteSize());
        }
        return CudaTensors.wrap(m, t.shape());
    }

    /** Row-major F32 values of a device tensor (made contiguous F32 on the device first when needed). */
    static float[] download(Tensor t, CudaBackend backend) {
        Tensor c = backend.contiguous(t);
        CudaMemory m = CudaTensors.memory(c);
        int n = c.numel();
        float[] out = new float[n];
        if (n == 0) return out;
        CudaContext ctx = m.context();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate((long) n * 4, 64);
            ctx.makeCurrent();
            CudaDriver.copyDeviceToHostAsync(host, m.address(c.offset()), (long) n * 4, ctx.stream());
            ctx.synchronize();
            MemorySegment.copy(host, ValueLayout.JAVA_FLOAT, 0, out, 0, n);
        }
        return out;
    }

    private static void copyIn(CudaContext ctx, CudaMemory m, MemorySegment host, long bytes) {
        if (bytes == 0) return;
        ctx.makeCurrent();
        CudaDriver.copyHostToDeviceAsync(m.address(), host, bytes, ctx.stream());
        ctx.synchronize();
    }
}
