package zest.engine.device;

import zest.engine.DType;
import zest.engine.GradMode;
import zest.engine.Shapes;
import zest.engine.Storage;
import zest.engine.Tensor;
import zest.engine.cpu.ElementwiseKernels;
import zest.engine.cpu.ElementwiseKernels.Binary;
import zest.engine.cpu.ElementwiseKernels.Unary;
import zest.engine.cpu.SoftmaxKernels;
import zest.engine.ops.Attention;
import zest.engine.ops.Convolution;
import zest.engine.ops.Reductions;

/**
 * A stand-in accelerator for the engine's tests: "device" memory is a heap array behind {@link Storage.OnDevice},
 * and every primitive is computed on the CPU. It exercises everything of the device path except real kernels —
 * the ops' dispatch, graph recording on device tensors, CPU operands mixed in, transfers — on machines without a
 * GPU. Registered for {@link Device.Kind#CUDA} through the engine's test resources only.
 */
public final class HostBackedBackend implements Backend {

    /** The "device" memory: a float array (all data is held as F32 here). */
    record HostMemory(float[] data, Device device) implements DeviceMemory {
        @Override public DType dtype() { return DType.F32; }
        @Override public long length() { return data.length; }
        @Override public float getFloat(long index) { return data[Math.toIntExact(index)]; }
    }

    static final Device DEVICE = Device.cuda(0);

    /** The same view over the memory as a CPU tensor (no copy, no graph). */
    static Tensor host(Tensor t) {
        HostMemory m = (HostMemory) ((Storage.OnDevice) t.storage()).memory();
        return Tensor.view(new Storage.Floats(m.data()), t.shape(), t.strides(), t.offset());
    }

    /** A CPU result moved to the "device" (a contiguous copy). */
    static Tensor onDevice(Tensor cpu) {
        int[] shape = cpu.shape();
        return Tensor.view(new Storage.OnDevice(new HostMemory(cpu.detach().toFloatArray(), DEVICE)), shape, Shapes.contiguousStrides(shape), 0);
    }

    static Tensor onDevice(float[] data, int... shape) { return onDevice(Tensor.of(data, shape)); }

    @Override public Device.Kind kind() { return Device.Kind.CUDA; }
    @Override public String unavailableReason() { return null; }
    @Override public int deviceCount() { return 1; }
    @Override public String describe(Device device) { return "host-backed test device"; }

    @Override public Tensor upload(Tensor cpuTensor, Device device) { return onDevice(cpuTensor); }
    @Override public float[] download(Tensor t) { return host(t).toFloatArray(); }
    @Override public Tensor contiguous(Tensor t) { return onDevice(host(t)); }
    @Override public void synchronize(Device device) { }

    @Override
    public Tensor joinBlocks(Tensor[] parts, int[] shape) {
        float[] out = new float[Shapes.numelInt(shape)];
        int at = 0;
        for (Tensor p : parts) {
            float[] v = host(p).toFloatArray();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return onDevice(out, shape);
    }

    @Override
    public Tensor binary(Binary op, Tensor a, Tensor b, int[] shape) {
        float[] out = new float[Shapes.numelInt(shape)];
        ElementwiseKernels.binaryStrided(op, host(a), host(b), out);
        return onDevice(out, shape);
    }

    @Override
    public Tensor unary(Unary op, Tensor a, float p, float q) {
        float[] in = host(a).toFloatArray(), out = new float[in.length];
        ElementwiseKernels.unary(op, in, out, p, q);
        return onDevice(out, a.shape());
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b, int[] shape) {
        float[] c = host(cond).toFloatArray(), av = host(a).toFloatArray(), bv = host(b).toFloatArray(), out = new float[c.length];
        for (int i = 0; i < out.length; i++) out[i] = c[i] != 0 ? av[i] : bv[i];
        return onDevice(out, shape);
    }

    @Override
    public Tensor sumRows(Tensor t, int rows, int n) {
        float[] v = host(t).floats(), out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += v[r * n + i];
            out[r] = (float) s;
        }
        return onDevice(out, rows);
    }

    @Override
    public Tensor extremeRows(Tensor t, int rows, int n, boolean max) {
        Tensor m = max ? Reductions.max(host(t).reshape(rows, n), 1, false) : Reductions.min(host(t).reshape(rows, n), 1, false);
        return onDevice(m);
    }

    @Override
    public Tensor softmaxRows(Tensor t, int rows, int n, boolean log) {
        float[] x = host(t).floats(), y = new float[x.length];
        if (log) SoftmaxKernels.logSoftmaxRows(x, y, rows, n);
        else SoftmaxKernels.softmaxRows(x, y, rows, n);
        return onDevice(y, t.shape());
    }

    @Override
    public Tensor batchedMatmul(Tensor a, boolean transA, Tensor b, boolean transB, int batch, int m, int n, int k) {
        float[] av = host(a).floats(), bv = host(b).floats(), c = new float[batch * m * n];
        for (int z = 0; z < batch; z++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        float x = transA ? av[z * m * k + p * m + i] : av[z * m * k + i * k + p];
                        float y = transB ? bv[z * k * n + j * k + p] : bv[z * k * n + p * n + j];
                        s += (double) x * y;
                    }
                    c[z * m * n + i * n + j] = (float) s;
                }
        return onDevice(c, batch, m, n);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, int strideH, int strideW, int padH, int padW) {
        try (var ignored = GradMode.noGrad()) {
            return onDevice(Convolution.conv2d(host(x), host(w), null, strideH, strideW, padH, padW));
        }
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor g, Tensor w, int[] xShape, int strideH, int strideW, int padH, int padW) {
        Tensor x = Tensor.zeros(xShape).requiresGrad(true);
        // backward kernels run inside the engine's backward pass, where recording is off: this one records on purpose
        try (var ignored = GradMode.enableGrad()) {
            Convolution.conv2d(x, host(w).contiguous(), null, strideH, strideW, padH, padW).backward(host(g).contiguous());
        }
        return onDevice(x.grad());
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor g, Tensor x, int[] wShape, int strideH, int strideW, int padH, int padW) {
        Tensor w = Tensor.zeros(wShape).requiresGrad(true);
        try (var ignored = GradMode.enableGrad()) {
            Convolution.conv2d(host(x).contiguous(), w, null, strideH, strideW, padH, padW).backward(host(g).contiguous());
        }
        return onDevice(w.grad());
    }

    @Override
    public NormForward groupNorm(Tensor x, int n, int c, int s, int groups, Tensor weight, Tensor bias, float eps) {
        return normalize(x, n * groups, c / groups * s, weight, bias, eps, i -> (i / s) % c);
    }

    @Override
    public NormGrads groupNormBackward(Tensor g, Tensor x, NormForward saved, Tensor weight, int n, int c, int s, int groups,
                                       boolean input, boolean weightGrad, boolean biasGrad) {
        return normGrads(g, x, saved, weight, n * groups, c / groups * s, c, i -> (i / s) % c, input, weightGrad, biasGrad);
    }

    @Override
    public NormForward layerNorm(Tensor x, int rows, int d, Tensor weight, Tensor bias, float eps) {
        return normalize(x, rows, d, weight, bias, eps, i -> i % d);
    }

    @Override
    public NormGrads layerNormBackward(Tensor g, Tensor x, NormForward saved, Tensor weight, int rows, int d,
                                       boolean input, boolean weightGrad, boolean biasGrad) {
        return normGrads(g, x, saved, weight, rows, d, d, i -> i % d, input, weightGrad, biasGrad);
    }

    /** Per-group statistics over consecutive runs of {@code count} values; {@code channel} maps an index to its affine slot. */
    private static NormForward normalize(Tensor x, int groups, int count, Tensor weight, Tensor bias, float eps,
                                         java.util.function.IntUnaryOperator channel) {
        float[] v = host(x).floats(), y = new float[v.length], mean = new float[groups], rstd = new float[groups];
        float[] w = weight == null ? null : host(weight).floats(), b = bias == null ? null : host(bias).floats();
        for (int gi = 0; gi < groups; gi++) {
            double s = 0, q = 0;
            for (int i = 0; i < count; i++) s += v[gi * count + i];
            double mu = s / count;
            for (int i = 0; i < count; i++) { double d = v[gi * count + i] - mu; q += d * d; }
            mean[gi] = (float) mu;
            rstd[gi] = (float) (1 / Math.sqrt(q / count + eps));
            for (int i = 0; i < count; i++) {
                int at = gi * count + i, ch = channel.applyAsInt(at);
                float o = (v[at] - mean[gi]) * rstd[gi];
                y[at] = (w == null ? o : o * w[ch]) + (b == null ? 0 : b[ch]);
            }
        }
        return new NormForward(onDevice(y, x.shape()), onDevice(mean, groups), onDevice(rstd, groups));
    }

    private static NormGrads normGrads(Tensor g, Tensor x, NormForward saved, Tensor weight, int groups, int count, int channels,
                                       java.util.function.IntUnaryOperator channel, boolean input, boolean weightGrad, boolean biasGrad) {
        float[] gv = host(g).floats(), v = host(x).floats(), mean = host(saved.mean()).floats(), rstd = host(saved.rstd()).floats();
        float[] w = weight == null ? null : host(weight).floats();
        float[] dx = new float[v.length];
        double[] dw = new double[channels], db = new double[channels];
        for (int gi = 0; gi < groups; gi++) {
            double sd = 0, sdx = 0;
            for (int i = 0; i < count; i++) {
                int at = gi * count + i, ch = channel.applyAsInt(at);
                double xh = (v[at] - mean[gi]) * rstd[gi], d = gv[at] * (w == null ? 1 : w[ch]);
                sd += d;
                sdx += d * xh;
                dw[ch] += gv[at] * xh;
                db[ch] += gv[at];
            }
            for (int i = 0; i < count; i++) {
                int at = gi * count + i, ch = channel.applyAsInt(at);
                double xh = (v[at] - mean[gi]) * rstd[gi], d = gv[at] * (w == null ? 1 : w[ch]);
                dx[at] = (float) (rstd[gi] * (d - sd / count - xh * sdx / count));
            }
        }
        float[] fw = new float[channels], fb = new float[channels];
        for (int c = 0; c < channels; c++) { fw[c] = (float) dw[c]; fb[c] = (float) db[c]; }
        return new NormGrads(input ? onDevice(dx, x.shape()) : null, weightGrad ? onDevice(fw, channels) : null,
                biasGrad ? onDevice(fb, channels) : null);
    }

    @Override
    public AttentionForward attention(Tensor q, Tensor k, Tensor v, Tensor bias, int b, int h, int lq, int lk, int d, int dv,
                                      float scale, boolean probs) {
        try (var ignored = GradMode.noGrad()) {
            Attention.Result r = Attention.sdpa(host(q).reshape(b, h, lq, d), host(k).reshape(b, h, lk, d), host(v).reshape(b, h, lk, dv),
                    bias == null ? null : host(bias), scale, probs);
            return new AttentionForward(onDevice(r.output().reshape(b * h, lq, dv)), probs ? onDevice(r.probs().reshape(b * h, lq, lk)) : null);
        }
    }
}
