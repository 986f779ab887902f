package zest.kernels.backend;

import static zest.kernels.backend.CudaTensors.address;
import static zest.kernels.backend.CudaTensors.addressOrNull;
import static zest.kernels.backend.CudaTensors.empty;
import static zest.kernels.backend.CudaTensors.memory;
import static zest.kernels.backend.CudaTensors.requireF32Contiguous;

import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.cpu.ElementwiseKernels.Binary;
import zest.engine.cpu.ElementwiseKernels.Unary;
import zest.engine.device.Backend;
import zest.engine.device.Device;
import zest.kernels.cuda.CudaDriver;
import zest.kernels.cuda.CudaLibraries;
import zest.kernels.device.CudaContext;
import zest.kernels.device.KernelLaunch;
import zest.kernels.device.KernelLayout;

/**
 * The CUDA backend: our PTX kernels for element-wise, row and normalization work and the fused inference
 * attention, cuBLAS for products, cuDNN for convolutions. Registered through META-INF/services; nothing native
 * is touched until {@link #unavailableReason()} or a device tensor needs it.
 */
public final class CudaBackend implements Backend {
    private static final int ROW_THREADS = 256;
    /** Dynamic shared memory a block may use without opting in (the attention row of scores must fit). */
    private static final int DEFAULT_SHARED_LIMIT = 48 * 1024;

    private volatile String probed;
    private volatile boolean probeDone;

    @Override public Device.Kind kind() { return Device.Kind.CUDA; }

    @Override
    public String unavailableReason() {
        if (!probeDone) {
            probed = CudaLibraries.probe();
            probeDone = true;
        }
        return probed;
    }

    @Override
    public int deviceCount() { return unavailableReason() == null ? CudaDriver.deviceCount() : 0; }

    @Override
    public String describe(Device device) { return context(device).toString(); }

    static CudaContext context(Device d) {
        if (d.kind() != Device.Kind.CUDA) throw new IllegalArgumentException("not a CUDA device: " + d);
        return CudaContext.of(d.index());
    }

    private static CudaContext context(Tensor t) { return memory(t).context(); }

    private static KernelLaunch launch(CudaContext ctx, String file, String kernel) { return KernelLaunch.of(ctx, file, kernel); }

    // ---------------------------------------------------------------- transfers and layout

    @Override public Tensor upload(Tensor cpuTensor, Device device) { return Transfers.upload(cpuTensor, context(device)); }

    @Override public float[] download(Tensor deviceTensor) { return Transfers.download(deviceTensor, this); }

    @Override
    public Tensor contiguous(Tensor t) {
        CudaMemory m = memory(t);
        if (t.dtype() == DType.F32 && t.isContiguous()) {
            if (t.offset() == 0 && m.length() == t.numel()) return t;
        }
        CudaContext ctx = m.context();
        int[] shape = t.shape();
        Tensor out = empty(ctx, shape);
        int n = t.numel();
        if (n == 0) return out;
        gather(ctx, t, address(out), n);
        return out;
    }

    /** Writes the n values of view t, row-major and widened to F32, to consecutive floats from {@code destination}. */
    private static void gather(CudaContext ctx, Tensor t, long destination, int n) {
        String kernel = switch (t.dtype()) {
            case F32 -> "gather_f32";
            case F16 -> "gather_f16";
            case BF16 -> "gather_bf16";
            default -> throw new IllegalArgumentException("no device gather for " + t.dtype());
        };
        launch(ctx, "copy", kernel).i(n).ptr(memory(t).address()).i(t.offset()).ptr(destination)
                .layout(KernelLayout.of(t.shape(), t.strides(), null)).runElements(n);
    }

    @Override public void synchronize(Device device) { context(device).synchronize(); }

    @Override
    public Tensor joinBlocks(Tensor[] parts, int[] shape) {
        CudaContext ctx = context(parts[0]);
        Tensor out = empty(ctx, shape);
        long at = 0;
        for (Tensor p : parts) {
            int n = p.numel();
            if (n > 0) gather(ctx, p, address(out) + at * Float.BYTES, n);
            at += n;
        }
        return out;
    }

    // ---------------------------------------------------------------- element-wise

    @Override
    public Tensor binary(Binary op, Tensor a, Tensor b, int[] shape) {
        CudaContext ctx = context(a);
        Tensor out = empty(ctx, shape);
        int n = out.numel();
        if (n == 0) return out;
        launch(ctx, "elementwise", "binary_f32").i(op.ordinal()).i(n)
                .ptr(memory(a).address()).i(a.offset()).ptr(memory(b).address()).i(b.offset()).ptr(address(out))
                .layout(KernelLayout.of(shape, a.strides(), b.strides())).runElements(n);
        return out;
    }

    @Override
    public Tensor unary(Unary op, Tensor a, float p, float q) {
        Tensor x = contiguous(a);
        CudaContext ctx = context(x);
        Tensor out = empty(ctx, a.shape());
        int n = out.numel();
        if (n == 0) return out;
        launch(ctx, "elementwise", "unary_f32").i(op.ordinal()).i(n).ptr(address(x)).ptr(address(out)).f(p).f(q).runElements(n);
        return out;
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b, int[] shape) {
        CudaContext ctx = context(cond);
        Tensor out = empty(ctx, shape);
        int n = out.numel();
        if (n == 0) return out;
        launch(ctx, "elementwise", "where_f32").i(n)
                .ptr(memory(cond).address()).i(cond.offset()).ptr(memory(a).address()).i(a.offset())
                .ptr(memory(b).address()).i(b.offset()).ptr(address(out))
                .layout(KernelLayout.of(shape, cond.strides(), a.strides()))
                .layout(KernelLayout.of(shape, cond.strides(), b.strides())).runElements(n);
        return out;
    }

    // ---------------------------------------------------------------- rows

    @Override
    public Tensor sumRows(Tensor t, int rows, int n) {
        requireF32Contiguous(t, "sumRows input");
        CudaContext ctx = context(t);
        Tensor out = empty(ctx, rows);
        if (rows > 0) launch(ctx, "reduce", "sum_rows_f32").i(rows).i(n).ptr(address(t)).ptr(address(out)).runRows(rows, ROW_THREADS, 0);
        return out;
    }

    @Override
    public Tensor extremeRows(Tensor t, int rows, int n, boolean max) {
        requireF32Contiguous(t, "extremeRows input");
        CudaContext ctx = context(t);
        Tensor out = empty(ctx, rows);
        // one thread per row walks it in order, so ties and NaN behave exactly as the CPU's scan
        if (rows > 0) launch(ctx, "reduce", "extreme_rows_f32").i(max ? 0 : 1).i(rows).i(n).ptr(address(t)).ptr(address(out)).runRows(rows, 32, 0);
        return out;
    }

    @Override
    public Tensor softmaxRows(Tensor t, int rows, int n, boolean log) {
        requireF32Contiguous(t, "softmax input");
        CudaContext ctx = context(t);
        Tensor out = empty(ctx, t.shape());
        if (rows > 0 && n > 0)
            launch(ctx, "softmax", log ? "log_softmax_rows_f32" : "softmax_rows_f32").i(rows).i(n).ptr(address(t)).ptr(address(out))
                    .runRows(rows, ROW_THREADS, 0);
        return out;
    }

    // ---------------------------------------------------------------- products and convolutions

    @Override
    public Tensor batchedMatmul(Tensor a, boolean transA, Tensor b, boolean transB, int batch, int m, int n, int k) {
        requireF32Contiguous(a, "matmul A");
        requireF32Contiguous(b, "matmul B");
        CudaContext ctx = context(a);
        Tensor out = empty(ctx, batch, m, n);
        Gemm.rowMajorBatched(ctx, address(a), transA, address(b), transB, address(out), batch, m, n, k);
        return out;
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, int strideH, int strideW, int padH, int padW) {
        return Convolutions.forward(context(x), requireF32Contiguous(x, "conv2d input"), requireF32Contiguous(w, "conv2d weight"),
                strideH, strideW, padH, padW);
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor g, Tensor w, int[] xShape, int strideH, int strideW, int padH, int padW) {
        return Convolutions.backwardInput(context(g), requireF32Contiguous(g, "conv2d gradient"), requireF32Contiguous(w, "conv2d weight"),
                xShape, strideH, strideW, padH, padW);
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor g, Tensor x, int[] wShape, int strideH, int strideW, int padH, int padW) {
        return Convolutions.backwardWeight(context(g), requireF32Contiguous(g, "conv2d gradient"), requireF32Contiguous(x, "conv2d input"),
                wShape, strideH, strideW, padH, padW);
    }

    // ---------------------------------------------------------------- normalization

    @Override
    public NormForward groupNorm(Tensor x, int n, int c, int s, int groups, Tensor weight, Tensor bias, float eps) {
        requireF32Contiguous(x, "groupNorm input");
        CudaContext ctx = context(x);
        Tensor y = empty(ctx, x.shape()), mean = empty(ctx, n * groups), rstd = empty(ctx, n * groups);
        if (x.numel() > 0)
            launch(ctx, "norm", "group_norm_forward_f32").i(n).i(c).i(s).i(groups).f(eps).ptr(address(x))
                    .ptr(addressOrNull(weight)).ptr(addressOrNull(bias)).ptr(address(y)).ptr(address(mean)).ptr(address(rstd))
                    .runRows(n * groups, ROW_THREADS, 0);
        return new NormForward(y, mean, rstd);
    }

    @Override
    public NormGrads groupNormBackward(Tensor g, Tensor x, NormForward saved, Tensor weight, int n, int c, int s, int groups,
                                       boolean input, boolean weightGrad, boolean biasGrad) {
        requireF32Contiguous(g, "groupNorm gradient");
        CudaContext ctx = context(x);
        Tensor dx = input ? empty(ctx, x.shape()) : null;
        Tensor dw = weightGrad ? empty(ctx, c) : null, db = biasGrad ? empty(ctx, c) : null;
        if (x.numel() == 0) return new NormGrads(dx, dw, db);
        if (input)
            launch(ctx, "norm", "group_norm_backward_input_f32").i(n).i(c).i(s).i(groups).ptr(address(g)).ptr(address(x))
                    .ptr(addressOrNull(weight)).ptr(address(saved.mean())).ptr(address(saved.rstd())).ptr(address(dx))
                    .runRows(n * groups, ROW_THREADS, 0);
        if (weightGrad || biasGrad)
            launch(ctx, "norm", "group_norm_backward_affine_f32").i(n).i(c).i(s).i(groups).ptr(address(g)).ptr(address(x))
                    .ptr(address(saved.mean())).ptr(address(saved.rstd())).ptr(addressOrNull(dw)).ptr(addressOrNull(db))
                    .runRows(c, ROW_THREADS, 0);
        return new NormGrads(dx, dw, db);
    }

    @Override
    public NormForward layerNorm(Tensor x, int rows, int d, Tensor weight, Tensor bias, float eps) {
        requireF32Contiguous(x, "layerNorm input");
        CudaContext ctx = context(x);
        Tensor y = empty(ctx, x.shape()), mean = empty(ctx, rows), rstd = empty(ctx, rows);
        if (x.numel() > 0)
            launch(ctx, "norm", "layer_norm_forward_f32").i(rows).i(d).f(eps).ptr(address(x))
                    .ptr(addressOrNull(weight)).ptr(addressOrNull(bias)).ptr(address(y)).ptr(address(mean)).ptr(address(rstd))
                    .runRows(rows, ROW_THREADS, 0);
        return new NormForward(y, mean, rstd);
    }

    @Override
    public NormGrads layerNormBackward(Tensor g, Tensor x, NormForward saved, Tensor weight, int rows, int d,
                                       boolean input, boolean weightGrad, boolean biasGrad) {
        requireF32Contiguous(g, "layerNorm gradient");
        CudaContext ctx = context(x);
        Tensor dx = input ? empty(ctx, x.shape()) : null;
        Tensor dw = weightGrad ? empty(ctx, d) : null, db = biasGrad ? empty(ctx, d) : null;
        if (x.numel() == 0) return new NormGrads(dx, dw, db);
        if (input)
            launch(ctx, "norm", "layer_norm_backward_input_f32").i(rows).i(d).ptr(address(g)).ptr(address(x))
                    .ptr(addressOrNull(weight)).ptr(address(saved.mean())).ptr(address(saved.rstd())).ptr(address(dx))
                    .runRows(rows, ROW_THREADS, 0);
        if (weightGrad || biasGrad)
            launch(ctx, "norm", "layer_norm_backward_affine_f32").i(rows).i(d).ptr(address(g)).ptr(address(x))
                    .ptr(address(saved.mean())).ptr(address(saved.rstd())).ptr(addressOrNull(dw)).ptr(addressOrNull(db))
                    .runElements(d);
        return new NormGrads(dx, dw, db);
    }

    // ---------------------------------------------------------------- attention

    @Override
    public AttentionForward attention(Tensor q, Tensor k, Tensor v, Tensor bias, int b, int h, int lq, int lk, int d, int dv,
                                      float scale, boolean probs) {
        long shared = (long) lk * Float.BYTES;
        if (shared > DEFAULT_SHARED_LIMIT) return null;
        CudaContext ctx = context(q);
        Tensor out = empty(ctx, b * h, lq, dv);
        Tensor p = probs ? empty(ctx, b * h, lq, lk) : null;
        int[] bs = bias == null ? new int[4] : bias.strides();
        launch(ctx, "attention", "attention_forward_f32").i(b * h).i(h).i(lq).i(lk).i(d).i(dv).f(scale)
                .ptr(address(requireF32Contiguous(q, "q"))).ptr(address(requireF32Contiguous(k, "k"))).ptr(address(requireF32Contiguous(v, "v")))
                .ptr(bias == null ? 0 : memory(bias).address()).i(bias == null ? 0 : bias.offset())
                .i(bs[0]).i(bs[1]).i(bs[2]).i(bs[3])
                .ptr(address(out)).ptr(p == null ? 0 : address(p))
                .runRows(b * h * lq, 128, (int) shared);
        return new AttentionForward(out, p);
    }
}
