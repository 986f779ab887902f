package zest.engine.ops;

import java.util.Arrays;
import zest.engine.GradMode;
import zest.engine.Shapes;
import zest.engine.Storage;
import zest.engine.Tensor;
import zest.engine.cpu.AttentionKernels;
import zest.engine.cpu.AttentionKernels.Matrices;

/** Scaled dot-product attention, softmax(scale·Q·Kᵀ + bias)·V. */
public final class Attention {
    private Attention() {}

    /** The attention output [B, H, Lq, Dv] and, when asked for, the attention probabilities [B, H, Lq, Lk]. */
    public record Result(Tensor output, Tensor probs) {}

    /**
     * q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv]; bias (nullable) broadcastable to [B, H, Lq, Lk].
     *
     * <p>When the bias needs a gradient this composes differentiable ops. Otherwise the output comes from a fused
     * kernel, also when the probabilities are requested: they are then computed as a separate differentiable branch
     * (ZestGuide puts a loss on them; gradients reach q and k through both), so the output is bit-identical whether
     * or not a hook observes the layer. The fused kernel never holds the whole [Lq, Lk] score matrix of all heads, neither in the
     * forward nor, when a graph is recorded, in its backward (which recomputes the probabilities block by block:
     * the composition would keep four [B, H, Lq, Lk] tensors alive per layer, gigabytes for SD's 64×64 latents).
     * The fused output is laid out as [B, Lq, H, Dv] in memory (a permuted view), so merging the heads costs no copy.
     */
    public static Result sdpa(Tensor q, Tensor k, Tensor v, Tensor bias, float scale, boolean returnProbs) {
        int[] qs = q.shape(), ks = k.shape(), vs = v.shape();
        check(qs, ks, vs);
        int b = qs[0], h = qs[1], lq = qs[2], d = qs[3], lk = ks[2], dv = vs[3];
        int[] scoreShape = {b, h, lq, lk};
        if (bias != null && (bias.dim() > 4 || !Arrays.equals(Shapes.broadcast(bias.shape(), scoreShape), scoreShape)))
            throw new IllegalArgumentException("sdpa bias " + Arrays.toString(bias.shape()) + " does not broadcast to the scores "
                    + Arrays.toString(scoreShape));
        boolean recording = GradMode.isEnabled() && (needsGrad(q) || needsGrad(k) || needsGrad(v) || needsGrad(bias));
        if (OnDevice.any(q, k, v, bias)) {
            // on a device: the fused kernel for inference, the differentiable composition when a graph is recorded
            Result fused = recording ? null : OnDevice.attention(q, k, v, bias, scale, returnProbs);
            return fused != null ? fused : composed(q, k, v, bias, scale, returnProbs);
        }
        if (recording && needsGrad(bias)) return composed(q, k, v, bias, scale, returnProbs);
        // Probabilities asked for: computed as their own differentiable branch, while the output still comes from the
        // fused kernel, so observing a layer never changes its output (not even in the last bit) and the backward
        // through the output keeps the fused kernel's memory profile.
        Tensor probs = returnProbs ? composed(q, k, null, bias, scale, true).probs() : null;

        float[] out = new float[b * lq * h * dv];
        // memory order [B, Lq, H, Dv]: head hh of batch bb starts at bb·Lq·H·Dv + hh·Dv, rows H·Dv apart
        Matrices o = new Matrices(out, 0, lq * h * dv, dv, h * dv);
        Matrices qm = matrices(q), km = matrices(k), vm = matrices(v);
        AttentionKernels.Bias bm = bias(bias, scoreShape);
        AttentionKernels.forward(b, h, lq, lk, d, dv, qm, km, vm, bm, scale, o);
        Tensor output = Tensor.view(new Storage.Floats(out), new int[] {b, h, lq, dv}, new int[] {lq * h * dv, dv, h * dv, 1}, 0);
        if (!recording) return new Result(output, probs);
        output = output.recordIfNeeded("sdpa", g -> {
            float[] dq = q.requiresGrad() ? new float[b * h * lq * d] : null;
            float[] dk = k.requiresGrad() ? new float[b * h * lk * d] : null;
            float[] dvv = v.requiresGrad() ? new float[b * h * lk * dv] : null;
            AttentionKernels.backward(b, h, lq, lk, d, dv, qm, km, vm, bm, scale, matrices(g), dq, dk, dvv);
            return new Tensor[] {
                    dq == null ? null : Tensor.of(dq, qs), dk == null ? null : Tensor.of(dk, ks),
                    dvv == null ? null : Tensor.of(dvv, vs)};
        }, q, k, v);
        return new Result(output, probs);
    }

    /** The differentiable composition: matmul, scale, add bias, softmax, matmul. */
    private static Result composed(Tensor q, Tensor k, Tensor v, Tensor bias, float scale, boolean returnProbs) {
        Tensor scores = Elementwise.mulScalar(LinearAlgebra.matmul(q, k.transpose(-1, -2)), scale);
        if (bias != null) scores = Elementwise.add(scores, bias);
        Tensor probs = Softmax.softmax(scores, -1);
        Tensor output = v == null ? null : LinearAlgebra.matmul(probs, v);
        return new Result(output, returnProbs ? probs : null);
    }

    private static void check(int[] qs, int[] ks, int[] vs) {
        String got = "q " + Arrays.toString(qs) + ", k " + Arrays.toString(ks) + ", v " + Arrays.toString(vs);
        if (qs.length != 4 || ks.length != 4 || vs.length != 4)
            throw new IllegalArgumentException("sdpa expects q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv]; got " + got);
        if (ks[0] != qs[0] || vs[0] != qs[0] || ks[1] != qs[1] || vs[1] != qs[1])
            throw new IllegalArgumentException("sdpa: batch and head dims of q, k and v differ: " + got);
        if (ks[3] != qs[3]) throw new IllegalArgumentException("sdpa: q and k head sizes differ: " + got);
        if (vs[2] != ks[2]) throw new IllegalArgumentException("sdpa: k and v lengths differ: " + got);
        if (ks[2] == 0 || qs[3] == 0 || vs[3] == 0)
            throw new IllegalArgumentException("sdpa needs at least one key and non-empty head sizes: " + got);
    }

    private static boolean needsGrad(Tensor t) { return t != null && t.requiresGrad(); }

    /** q, k or v as matrices for GEMM: read in place when each row is contiguous in a float array, else copied. */
    private static Matrices matrices(Tensor t) {
        int rows = t.size(2), cols = t.size(3);
        int rowStride = t.stride(2);
        boolean inPlace = t.storage() instanceof Storage.Floats && (t.stride(3) == 1 || cols <= 1)
                && (rowStride >= Math.max(cols, 1) || rows <= 1);
        Tensor src = inPlace ? t : Tensor.of(t.toFloatArray(), t.shape());
        int ld = inPlace ? Math.max(rows <= 1 ? cols : rowStride, 1) : Math.max(cols, 1);
        float[] data = ((Storage.Floats) src.storage()).array();
        return new Matrices(data, src.offset(), src.stride(0), src.stride(1), ld);
    }

    /** The bias as strides over its own (small) values, broadcast to the score shape without copying. */
    private static AttentionKernels.Bias bias(Tensor bias, int[] scoreShape) {
        if (bias == null) return null;
        Tensor own = bias.storage() instanceof Storage.Floats ? bias.detach() : Tensor.of(bias.toFloatArray(), bias.shape());
        Tensor e = own.expand(scoreShape);
        float[] data = ((Storage.Floats) e.storage()).array();
        return new AttentionKernels.Bias(data, e.offset(), e.stride(0), e.stride(1), e.stride(2), e.stride(3));
    }
}
