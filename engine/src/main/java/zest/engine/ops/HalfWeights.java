package zest.engine.ops;

import zest.engine.DType;
import zest.engine.Storage;
import zest.engine.Tensor;
import zest.engine.cpu.HalfArray;

/**
 * Weights kept in their 16-bit storage (F16/BF16 mapped from a checkpoint) are handed to the GEMM and convolution
 * kernels as they are, which widen them while packing: an SD 1.5 UNet then costs its 1.7 GB of half-precision
 * weights, not 3.4 GB more for float copies. Only tensors that need no gradient qualify (trained weights are F32).
 */
final class HalfWeights {
    private HalfWeights() {}

    /** The tensor's values as a 16-bit array in row-major order, or null when they are not stored so. */
    static HalfArray of(Tensor t) {
        if (t.requiresGrad() || !(t.storage() instanceof Storage.Segment s) || !t.isContiguous()) return null;
        if (t.dtype() != DType.F16 && t.dtype() != DType.BF16) return null;
        long bytes = (long) t.numel() * 2, from = (long) t.offset() * 2;
        return new HalfArray(s.segment().asSlice(from, bytes), t.dtype() == DType.BF16);
    }
}
