package zest.engine.ops;

import java.util.Arrays;
import java.util.function.Function;
import zest.engine.DType;
import zest.engine.Shapes;
import zest.engine.Storage;
import zest.engine.Tensor;
import zest.engine.cpu.ElementwiseKernels.Binary;
import zest.engine.cpu.ElementwiseKernels.Unary;
import zest.engine.device.Backend;
import zest.engine.device.Backends;
import zest.engine.device.Device;

/**
 * The accelerator side of the ops: each op checks {@link #any} first and, for a tensor on a device, comes here
 * instead of its CPU kernels (which stay exactly as they were). Results stay on the device; CPU operands mixed in
 * (scalars, masks, a gradient of ones) are copied to the device. Graph recording mirrors the CPU ops; where a
 * backward is written in terms of ops it runs on the device through the same dispatch.
 */
final class OnDevice {
    private OnDevice() {}

    static boolean any(Tensor a) { return a != null && a.storage() instanceof Storage.OnDevice; }

    static boolean any(Tensor a, Tensor b) { return any(a) || any(b); }

    static boolean any(Tensor... ts) {
        for (Tensor t : ts) if (any(t)) return true;
        return false;
    }

    /** The device of the device operands (they must agree). */
    static Device deviceOf(Tensor... ts) {
        Device found = null;
        for (Tensor t : ts) {
            if (!any(t)) continue;
            Device d = t.device();
            if (found != null && !found.equals(d))
                throw new IllegalArgumentException("operands on different devices: " + found + " and " + d + "; move one with to(device)");
            found = d;
        }
        return found;
    }

    /** t (without history) on device d, F32: CPU operands are copied over, 16-bit device data widened. */
    static Tensor f32On(Tensor t, Device d) {
        Tensor x = t.detach();
        if (!x.dtype().isFloating()) x = x.toF32();
        if (!x.device().equals(d)) x = x.to(d);
        return x.dtype() == DType.F32 ? x : x.contiguous();
    }

    /** Contiguous F32 on device d (no history). */
    static Tensor packedOn(Tensor t, Device d) { return f32On(t, d).contiguous(); }

    private static Backend backend(Device d) { return Backends.of(d.kind()); }

    // ---------------------------------------------------------------- element-wise (graph recorded by the callers)

    static Tensor binary(Binary op, Tensor a, Tensor b) {
        Device d = deviceOf(a, b);
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        return backend(d).binary(op, f32On(a, d).expand(shape), f32On(b, d).expand(shape), shape);
    }

    static Tensor unary(Unary op, Tensor a, float p, float q) {
        Device d = deviceOf(a);
        return backend(d).unary(op, f32On(a, d), p, q);
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b, int[] shape) {
        Device d = deviceOf(cond, a, b);
        return backend(d).where(f32On(cond, d).expand(shape), f32On(a, d).expand(shape), f32On(b, d).expand(shape), shape);
    }

    // ---------------------------------------------------------------- reductions and softmax (no graph)

    /** kind 0 = sum, 1 = max, 2 = min over the marked dims, moved last first (as the CPU reduce). */
    static Tensor reduce(int kind, Tensor t, boolean[] reduced, int[] outShape) {
        Device d = deviceOf(t);
        int[] shape = t.shape();
        int rank = shape.length;
        int[] order = new int[rank];
        int k = 0;
        for (int i = 0; i < rank; i++) if (!reduced[i]) order[k++] = i;
        for (int i = 0; i < rank; i++) if (reduced[i]) order[k++] = i;
        int n = 1;
        for (int i = 0; i < rank; i++) if (reduced[i]) n *= shape[i];
        int rows = Shapes.numelInt(outShape);
        if (n == 0) return kind == 0 ? Tensor.zeros(outShape).to(d) : Tensor.full(Float.NaN, outShape).to(d);
        Tensor moved = packedOn(t.detach().permute(order), d);
        Tensor r = kind == 0 ? backend(d).sumRows(moved, rows, n) : backend(d).extremeRows(moved, rows, n, kind == 1);
        return r.reshape(outShape);
    }

    /** Softmax or log-softmax along dim d (moved last and back as on the CPU); no graph. */
    static Tensor softmax(Tensor t, int dim, boolean log) {
        Device d = deviceOf(t);
        int last = t.dim() - 1;
        Tensor moved = dim == last ? t.detach() : t.detach().transpose(dim, last);
        Tensor x = packedOn(moved, d);
        int n = Math.max(moved.size(-1), 1);
        Tensor s = backend(d).softmaxRows(x, x.numel() / n, n, log).reshape(moved.shape());
        return dim == last ? s : s.transpose(dim, last).contiguous();
    }

    // ---------------------------------------------------------------- products

    /** Batched matmul of ≥2-D operands with broadcast batch dims; records its graph (backward = matmuls). */
    static Tensor matmul(Tensor a, Tensor b) {
        Device d = deviceOf(a, b);
        int m = a.size(-2), k = a.size(-1), k2 = b.size(-2), n = b.size(-1);
        if (k != k2)
            throw new IllegalArgumentException("matmul shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()) + " do not align (" + k + " vs " + k2 + ")");
        int[] batchShape = Shapes.broadcast(Arrays.copyOf(a.shape(), a.dim() - 2), Arrays.copyOf(b.shape(), b.dim() - 2));
        int batch = Shapes.numelInt(batchShape);
        int[] outShape = Arrays.copyOf(batchShape, batchShape.length + 2);
        outShape[batchShape.length] = m;
        outShape[batchShape.length + 1] = n;
        Tensor out;
        if (batch == 0 || m == 0 || n == 0) out = Tensor.zeros(outShape).to(d);
        else {
            Matrix ma = Matrix.of(f32On(a, d), batchShape, m, k, d), mb = Matrix.of(f32On(b, d), batchShape, k, n, d);
            out = backend(d).batchedMatmul(ma.data, ma.transposed, mb.data, mb.transposed, batch, m, n, k).reshape(outShape);
        }
        return out.recordIfNeeded("matmul", g -> new Tensor[] {
                a.requiresGrad() ? Reductions.sumToShape(LinearAlgebra.matmul(g, b.detach().transpose(-1, -2)), a.shape()) : null,
                b.requiresGrad() ? Reductions.sumToShape(LinearAlgebra.matmul(a.detach().transpose(-1, -2), g), b.shape()) : null}, a, b);
    }

    /**
     * One operand as a contiguous [batch, rows, cols] block, or its transpose stored [batch, cols, rows] when the
     * view is a transposed contiguous matrix (linear's wᵀ): no copy then.
     */
    private record Matrix(Tensor data, boolean transposed) {
        static Matrix of(Tensor t, int[] batchShape, int rows, int cols, Device d) {
            int[] full = Arrays.copyOf(batchShape, batchShape.length + 2);
            full[batchShape.length] = rows;
            full[batchShape.length + 1] = cols;
            if (t.dim() == 2 && t.stride(0) == 1 && t.stride(1) == rows && Shapes.numelInt(batchShape) == 1) {
                Tensor stored = t.transpose(0, 1);
                if (stored.isContiguous() && stored.dtype() == DType.F32) return new Matrix(stored, true);
            }
            return new Matrix(t.expand(full).contiguous(), false);
        }
    }

    /** x·wᵀ + bias composed from device ops (so its backward is theirs). */
    static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        int in = w.size(1), outF = w.size(0);
        int rows = x.numel() / Math.max(in, 1);
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = outF;
        Tensor y = matmul(x.reshape(rows, in), w.transpose(0, 1)).reshape(outShape);
        return bias == null ? y : Elementwise.add(y, bias);
    }

    static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int strideH, int strideW, int padH, int padW) {
        Device d = deviceOf(x, w, bias);
        Tensor xc = packedOn(x, d), wc = packedOn(w, d);
        int[] xs = x.shape(), ws = w.shape();
        Tensor y = backend(d).conv2d(xc, wc, strideH, strideW, padH, padW)
                .recordIfNeeded("conv2d", g -> {
                    Tensor gc = packedOn(g, d);
                    return new Tensor[] {
                            x.requiresGrad() ? backend(d).conv2dBackwardInput(gc, wc, xs, strideH, strideW, padH, padW) : null,
                            w.requiresGrad() ? backend(d).conv2dBackwardWeight(gc, xc, ws, strideH, strideW, padH, padW) : null};
                }, x, w);
        return bias == null ? y : Elementwise.add(y, bias.reshape(1, ws[0], 1, 1));
    }

    // ---------------------------------------------------------------- normalization

    static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        Device d = deviceOf(x, weight, bias);
        int[] shape = x.shape();
        int n = shape[0], c = shape[1], s = x.numel() / Math.max(n * c, 1);
        Tensor xc = packedOn(x, d);
        Tensor wc = weight == null ? null : packedOn(weight, d), bc = bias == null ? null : packedOn(bias, d);
        Backend.NormForward f = backend(d).groupNorm(xc, n, c, s, groups, wc, bc, eps);
        return f.output().reshape(shape).recordIfNeeded("groupNorm", g -> {
            Backend.NormGrads gr = backend(d).groupNormBackward(packedOn(g, d), xc, f, wc, n, c, s, groups,
                    x.requiresGrad(), weight != null && weight.requiresGrad(), bias != null && bias.requiresGrad());
            return new Tensor[] {gr.input() == null ? null : gr.input().reshape(shape), gr.weight(), gr.bias()};
        }, x, weight, bias);
    }

    static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        Device d = deviceOf(x, weight, bias);
        int[] shape = x.shape();
        int dim = shape[shape.length - 1], rows = dim == 0 ? 0 : x.numel() / dim;
        Tensor xc = packedOn(x, d);
        Tensor wc = weight == null ? null : packedOn(weight, d), bc = bias == null ? null : packedOn(bias, d);
        Backend.NormForward f = backend(d).layerNorm(xc, rows, dim, wc, bc, eps);
        return f.output().reshape(shape).recordIfNeeded("layerNorm", g -> {
            Backend.NormGrads gr = backend(d).layerNormBackward(packedOn(g, d), xc, f, wc, rows, dim,
                    x.requiresGrad(), weight != null && weight.requiresGrad(), bias != null && bias.requiresGrad());
            return new Tensor[] {gr.input() == null ? null : gr.input().reshape(shape), gr.weight(), gr.bias()};
        }, x, weight, bias);
    }

    // ---------------------------------------------------------------- attention

    /** The fused inference kernel, or null when the backend cannot fuse this shape (the caller composes). */
    static Attention.Result attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale, boolean returnProbs) {
        Device d = deviceOf(q, k, v, bias);
        int b = q.size(0), h = q.size(1), lq = q.size(2), dd = q.size(3), lk = k.size(2), dv = v.size(3);
        Tensor qc = packedOn(q, d).reshape(b * h, lq, dd), kc = packedOn(k, d).reshape(b * h, lk, dd), vc = packedOn(v, d).reshape(b * h, lk, dv);
        Tensor be = bias == null ? null : f32On(bias, d).expand(b, h, lq, lk);
        Backend.AttentionForward f = backend(d).attention(qc, kc, vc, be, b, h, lq, lk, dd, dv, scale, returnProbs);
        if (f == null) return null;
        return new Attention.Result(f.output().reshape(b, h, lq, dv), f.probs() == null ? null : f.probs().reshape(b, h, lq, lk));
    }

    // ---------------------------------------------------------------- shape ops

    /** Concatenation along dim d: each input, with d moved first, is one block of the output; records its graph. */
    static Tensor concat(int d, Tensor[] ts, int[] shape) {
        Device dev = deviceOf(ts);
        int rank = shape.length;
        int[] order = new int[rank];
        order[0] = d;
        for (int i = 0, k = 1; i < rank; i++) if (i != d) order[k++] = i;
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[order[i]] = i;
        Tensor[] parts = new Tensor[ts.length];
        for (int i = 0; i < ts.length; i++) parts[i] = f32On(ts[i], dev).permute(order);
        int[] moved = new int[rank];
        for (int i = 0; i < rank; i++) moved[i] = shape[order[i]];
        Tensor out = backend(dev).joinBlocks(parts, moved).permute(inverse).contiguous();
        int[] sizes = new int[ts.length];
        for (int i = 0; i < ts.length; i++) sizes[i] = ts[i].size(d);
        return out.recordIfNeeded("concat", g -> {
            Tensor[] grads = new Tensor[ts.length];
            int start = 0;
            for (int i = 0; i < ts.length; i++) {
                grads[i] = ts[i].requiresGrad() ? g.narrow(d, start, sizes[i]).contiguous() : null;
                start += sizes[i];
            }
            return grads;
        }, ts);
    }

    /**
     * Nearest 2× upsampling composed from views: [N, C, H, W] → [N, C, H, 1, W, 1] expanded to [N, C, H, 2, W, 2]
     * and made contiguous (one device gather); its gradient is the expand's (a device sum over the 2×2 taps).
     */
    static Tensor upsampleNearest2x(Tensor x) {
        Device dev = deviceOf(x);
        int[] s = x.shape();
        Tensor on = x.device().equals(dev) ? x : x.to(dev);
        return on.reshape(s[0], s[1], s[2], 1, s[3], 1).expand(s[0], s[1], s[2], 2, s[3], 2).contiguous()
                .reshape(s[0], s[1], 2 * s[2], 2 * s[3]);
    }

    // ---------------------------------------------------------------- ops without device kernels yet

    /**
     * Runs a CPU-only op for device inputs: the inputs move to the CPU and the result back, both through the
     * differentiable {@link Tensor#to}, so gradients flow. Correct but pays two transfers; the ops that come here
     * are listed in the kernels module's README section.
     */
    static Tensor viaCpu(Function<Tensor[], Tensor> op, Tensor... inputs) {
        Device d = deviceOf(inputs);
        Tensor[] host = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) host[i] = inputs[i] == null ? null : inputs[i].to(Device.CPU);
        return op.apply(host).to(d);
    }
}
