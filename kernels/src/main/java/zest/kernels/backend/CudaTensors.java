package zest.kernels.backend;

import zest.engine.DType;
import zest.engine.Shapes;
import zest.engine.Storage;
import zest.engine.Tensor;
import zest.kernels.device.CudaContext;

/** Making and reading tensors over {@link CudaMemory}. */
final class CudaTensors {
    private CudaTensors() {}

    static Tensor wrap(CudaMemory m, int... shape) {
        return Tensor.view(new Storage.OnDevice(m), shape, Shapes.contiguousStrides(shape), 0);
    }

    /** A new contiguous F32 tensor of {@code shape} on ctx (contents undefined until a kernel writes them). */
    static Tensor empty(CudaContext ctx, int... shape) {
        return wrap(CudaMemory.allocate(ctx, DType.F32, Shapes.numel(shape)), shape);
    }

    static CudaMemory memory(Tensor t) {
        if (!(t.storage() instanceof Storage.OnDevice d) || !(d.memory() instanceof CudaMemory m))
            throw new IllegalArgumentException("expected a tensor on a CUDA device, got one on " + t.device());
        return m;
    }

    /** The CUdeviceptr of the tensor's first element (its offset applied). */
    static long address(Tensor t) {
        return memory(t).address(t.offset());
    }

    /** The address of a contiguous F32 tensor, 0 for null (optional kernel inputs). */
    static long addressOrNull(Tensor t) {
        return t == null ? 0 : address(requireF32Contiguous(t, "input"));
    }

    static Tensor requireF32Contiguous(Tensor t, String what) {
        if (t.dtype() != DType.F32 || !t.isContiguous())
            throw new IllegalArgumentException(what + " must be contiguous F32 here, got " + t.dtype() + " strides " + java.util.Arrays.toString(t.strides()));
        return t;
    }
}
