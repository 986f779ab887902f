package zest.engine.ops;

import java.util.Arrays;
import zest.engine.Tensor;
import zest.engine.cpu.GroupNormKernels;
import zest.engine.cpu.LayerNormKernels;

/**
 * Group and layer normalization (PyTorch semantics: biased variance, eps inside the square root), fused: one
 * pass for the statistics, one for normalize + affine; backward uses the closed form over the saved mean/rstd.
 */
public final class Normalization {
    private Normalization() {}

    /**
     * torch.nn.functional.group_norm: x of shape [N, C, *] normalized over each group of C/groups channels (and all
     * trailing dims); weight and bias of shape [C] (either may be null).
     */
    public static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        int[] shape = x.shape();
        if (shape.length < 2)
            throw new IllegalArgumentException("groupNorm expects x of shape [N, C, *], got " + Arrays.toString(shape));
        int n = shape[0], c = shape[1];
        if (groups <= 0 || c % groups != 0)
            throw new IllegalArgumentException("groupNorm: " + c + " channels (x " + Arrays.toString(shape) + ") cannot be split into " + groups + " groups");
        checkAffine("groupNorm", "weight", weight, c);
        checkAffine("groupNorm", "bias", bias, c);
        if (OnDevice.any(x, weight, bias)) return OnDevice.groupNorm(x, groups, weight, bias, eps);
        int s = x.numel() / Math.max(n * c, 1);
        float[] xv = values(x);
        float[] wv = weight == null ? null : values(weight), bv = bias == null ? null : values(bias);
        float[] y = new float[xv.length];
        GroupNormKernels.Stats stats = GroupNormKernels.forward(xv, n, c, s, groups, wv, bv, eps, y);
        Tensor out = Tensor.of(y, shape);
        return out.recordIfNeeded("groupNorm", g -> {
            GroupNormKernels.Grads gr = GroupNormKernels.backward(values(g), xv, stats, wv, n, c, s, groups,
                    x.requiresGrad(), weight != null && weight.requiresGrad(), bias != null && bias.requiresGrad());
            return new Tensor[] {
                    gr.input() == null ? null : Tensor.of(gr.input(), shape),
                    gr.weight() == null ? null : Tensor.of(gr.weight(), weight.shape()),
                    gr.bias() == null ? null : Tensor.of(gr.bias(), bias.shape())};
        }, x, weight, bias);
    }

    /** torch.nn.functional.layer_norm over the last dim; weight and bias of shape [D] (either may be null). */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        int[] shape = x.shape();
        if (shape.length < 1) throw new IllegalArgumentException("layerNorm needs at least a 1-D input, got a scalar");
        int d = shape[shape.length - 1];
        checkAffine("layerNorm", "weight", weight, d);
        checkAffine("layerNorm", "bias", bias, d);
        if (OnDevice.any(x, weight, bias)) return OnDevice.layerNorm(x, weight, bias, eps);
        int rows = d == 0 ? 0 : x.numel() / d;
        float[] xv = values(x);
        float[] wv = weight == null ? null : values(weight), bv = bias == null ? null : values(bias);
        float[] y = new float[xv.length];
        LayerNormKernels.Stats stats = LayerNormKernels.forward(xv, rows, d, wv, bv, eps, y);
        Tensor out = Tensor.of(y, shape);
        return out.recordIfNeeded("layerNorm", g -> {
            LayerNormKernels.Grads gr = LayerNormKernels.backward(values(g), xv, stats, wv, rows, d,
                    x.requiresGrad(), weight != null && weight.requiresGrad(), bias != null && bias.requiresGrad());
            return new Tensor[] {
                    gr.input() == null ? null : Tensor.of(gr.input(), shape),
                    gr.weight() == null ? null : Tensor.of(gr.weight(), weight.shape()),
                    gr.bias() == null ? null : Tensor.of(gr.bias(), bias.shape())};
        }, x, weight, bias);
    }

    private static void checkAffine(String op, String what, Tensor t, int size) {
        if (t != null && (t.dim() != 1 || t.size(0) != size))
            throw new IllegalArgumentException(op + " " + what + " must have shape [" + size + "], got " + Arrays.toString(t.shape()));
    }

    /** Row-major F32 values, without recording a graph (read-only: may be the tensor's own array). */
    private static float[] values(Tensor t) {
        return t.detach().contiguous().floats();
    }
}
