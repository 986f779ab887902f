package zest.engine.ops;

import zest.engine.Shapes;
import zest.engine.Tensor;
import zest.engine.cpu.SoftmaxKernels;

/** Softmax and log-softmax along one dim (numerically stable: the row max is subtracted first). */
public final class Softmax {
    private Softmax() {}

    public static Tensor softmax(Tensor t, int dim) {
        int d = Shapes.normDim(dim, t.dim());
        Tensor out = OnDevice.any(t) ? OnDevice.softmax(t, d, false) : alongRows(t, d, SoftmaxKernels::softmaxRows);
        return out.recordIfNeeded("softmax", g -> {
            // dx = s ⊙ (g − Σ g⊙s)
            Tensor sd = out.detach();
            Tensor dot = Reductions.sum(Elementwise.mul(g, sd), new int[] {d}, true);
            return new Tensor[] {Elementwise.mul(sd, Elementwise.sub(g, dot))};
        }, t);
    }

    public static Tensor logSoftmax(Tensor t, int dim) {
        int d = Shapes.normDim(dim, t.dim());
        Tensor out = OnDevice.any(t) ? OnDevice.softmax(t, d, true) : alongRows(t, d, SoftmaxKernels::logSoftmaxRows);
        return out.recordIfNeeded("logSoftmax", g -> {
            // dx = g − softmax ⊙ Σ g
            Tensor sm = Elementwise.exp(out.detach());
            Tensor total = Reductions.sum(g, new int[] {d}, true);
            return new Tensor[] {Elementwise.sub(g, Elementwise.mul(sm, total))};
        }, t);
    }

    /** A row kernel over (rows × n) contiguous values. */
    private interface RowKernel {
        void apply(float[] x, float[] y, int rows, int n);
    }

    /** Runs a row kernel along dim d (moved last and back when it is not already last); no graph. */
    private static Tensor alongRows(Tensor t, int d, RowKernel kernel) {
        int last = t.dim() - 1;
        Tensor moved = d == last ? t.detach() : t.detach().transpose(d, last);
        float[] x = moved.contiguous().floats();
        int n = moved.size(-1);
        float[] y = new float[x.length];
        kernel.apply(x, y, x.length / Math.max(n, 1), n);
        Tensor s = Tensor.of(y, moved.shape());
        return d == last ? s : s.transpose(d, last).contiguous();
    }
}
