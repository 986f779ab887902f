package zest.engine.device;

import zest.engine.Tensor;
import zest.engine.cpu.ElementwiseKernels.Binary;
import zest.engine.cpu.ElementwiseKernels.Unary;

/**
 * The kernels of one accelerator backend (found with {@link java.util.ServiceLoader}; the CUDA one lives in the
 * {@code kernels} module). Methods are primitives without autograd: the engine's ops record the graph and write
 * their backward rules in terms of ops, so a backend that runs the primitives runs the backward too. Inputs are
 * tensors on this backend's device (any strides; F32, or F16/BF16 weights as stored unless a method says F32);
 * results are new contiguous F32 tensors on the same device.
 */
public interface Backend {

    Device.Kind kind();

    /** Null when at least one device of this kind is usable, else why not (one line). */
    String unavailableReason();

    /** The number of usable devices (0 when unavailable). */
    int deviceCount();

    /** A short description of a device, e.g. "NVIDIA H100 80GB HBM3, 79.1 GiB, sm_90". */
    String describe(Device device);

    // ---------------------------------------------------------------- transfers and layout

    /** A contiguous copy of a CPU tensor on {@code device}, in its stored dtype (F16/BF16 weights stay 16-bit). */
    Tensor upload(Tensor cpuTensor, Device device);

    /** The values of a device tensor in row-major order, widened to F32 (the tensor's view, not its whole storage). */
    float[] download(Tensor deviceTensor);

    /** A contiguous F32 copy of a device tensor (any strides, any floating dtype). */
    Tensor contiguous(Tensor t);

    /**
     * The parts (views of any strides on this device) written one after another into a new contiguous F32 tensor of
     * {@code shape}: each part's values in row-major order fill the next {@code part.numel()} elements. With the
     * joined dim moved first, that is concatenation along it.
     */
    Tensor joinBlocks(Tensor[] parts, int[] shape);

    /** Waits until all queued work of the device is done (for timing; transfers already synchronize). */
    void synchronize(Device device);

    // ---------------------------------------------------------------- element-wise

    /** {@code op(a, b)} with a and b already expanded to {@code shape} (strides may be 0). */
    Tensor binary(Binary op, Tensor a, Tensor b, int[] shape);

    Tensor unary(Unary op, Tensor a, float p, float q);

    /** cond ? a : b, all three already expanded to {@code shape}; cond is read as (value != 0). */
    Tensor where(Tensor cond, Tensor a, Tensor b, int[] shape);

    // ---------------------------------------------------------------- rows: reductions, softmax

    /** Sums of each of the {@code rows} rows of a contiguous F32 tensor of rows·n values. */
    Tensor sumRows(Tensor t, int rows, int n);

    /** Row maxima ({@code max}) or minima of a contiguous F32 tensor; NaN propagates. */
    Tensor extremeRows(Tensor t, int rows, int n, boolean max);

    /** Softmax (or log-softmax) of each row of a contiguous F32 tensor of rows·n values. */
    Tensor softmaxRows(Tensor t, int rows, int n, boolean log);

    // ---------------------------------------------------------------- products

    /** Batched product of contiguous F32 [batch, m, k] and [batch, k, n]; {@code transA/transB} read the stored [batch, k, m] / [batch, n, k] transposed. */
    Tensor batchedMatmul(Tensor a, boolean transA, Tensor b, boolean transB, int batch, int m, int n, int k);

    // ---------------------------------------------------------------- convolution (PyTorch conv2d: cross-correlation, no groups)

    /** conv2d of contiguous F32 x [n, c, h, w] with w [k, c, r, s], no bias (the op adds it by broadcasting). */
    Tensor conv2d(Tensor x, Tensor w, int strideH, int strideW, int padH, int padW);

    /** ∂L/∂x of {@link #conv2d} for an upstream gradient g [n, k, oh, ow]. */
    Tensor conv2dBackwardInput(Tensor g, Tensor w, int[] xShape, int strideH, int strideW, int padH, int padW);

    /** ∂L/∂w of {@link #conv2d}. */
    Tensor conv2dBackwardWeight(Tensor g, Tensor x, int[] wShape, int strideH, int strideW, int padH, int padW);

    // ---------------------------------------------------------------- normalization

    /** Normalized output and the saved statistics (mean and rstd per group or row) for the backward. */
    record NormForward(Tensor output, Tensor mean, Tensor rstd) {}

    /** Gradients of a normalization; entries not asked for are null. */
    record NormGrads(Tensor input, Tensor weight, Tensor bias) {}

    /** Group norm of a contiguous F32 [n, c, s] tensor; weight/bias contiguous F32 [c] or null. */
    NormForward groupNorm(Tensor x, int n, int c, int s, int groups, Tensor weight, Tensor bias, float eps);

    NormGrads groupNormBackward(Tensor g, Tensor x, NormForward saved, Tensor weight, int n, int c, int s, int groups,
                                boolean input, boolean weightGrad, boolean biasGrad);

    /** Layer norm over the last dim of a contiguous F32 [rows, d] tensor. */
    NormForward layerNorm(Tensor x, int rows, int d, Tensor weight, Tensor bias, float eps);

    NormGrads layerNormBackward(Tensor g, Tensor x, NormForward saved, Tensor weight, int rows, int d,
                                boolean input, boolean weightGrad, boolean biasGrad);

    // ---------------------------------------------------------------- attention

    /** Output [b·h, lq, dv] and, when asked for, probabilities [b·h, lq, lk]. */
    record AttentionForward(Tensor output, Tensor probs) {}

    /**
     * Fused inference attention over contiguous F32 q [b·h, lq, d], k [b·h, lk, d], v [b·h, lk, dv], with an optional
     * bias already expanded to [b, h, lq, lk] (strides may be 0). Returns null when the backend cannot fuse this
     * shape (the caller composes matmul + softmax instead).
     */
    AttentionForward attention(Tensor q, Tensor k, Tensor v, Tensor bias, int b, int h, int lq, int lk, int d, int dv,
                               float scale, boolean probs);
}
