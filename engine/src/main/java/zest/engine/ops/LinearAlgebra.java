package zest.engine.ops;

import java.util.Arrays;
import zest.engine.Shapes;
import zest.engine.Tensor;
import zest.engine.cpu.HalfArray;
import zest.engine.cpu.Sgemm;

/** Matrix products: matmul with batch broadcasting, and linear layers. */
public final class LinearAlgebra {
    private LinearAlgebra() {}

    /**
     * Matrix product with PyTorch's rules: 1-D operands are promoted (and the added dim removed), leading batch
     * dims broadcast. Transposed operands are read in place (no copy) when their last two dims are a transposed
     * contiguous matrix.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.dim() == 0 || b.dim() == 0) throw new IllegalArgumentException("matmul needs at least 1-D operands");
        boolean aVec = a.dim() == 1, bVec = b.dim() == 1;
        Tensor a2 = aVec ? a.unsqueeze(0) : a;
        Tensor b2 = bVec ? b.unsqueeze(1) : b;
        Tensor out = matmulNd(a2, b2);
        if (aVec) out = out.squeeze(-2);
        if (bVec) out = out.squeeze(-1);
        return out;
    }

    private static Tensor matmulNd(Tensor a, Tensor b) {
        if (OnDevice.any(a, b)) return OnDevice.matmul(a, b);
        int m = a.size(-2), k = a.size(-1), k2 = b.size(-2), n = b.size(-1);
        if (k != k2)
            throw new IllegalArgumentException("matmul shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()) + " do not align (" + k + " vs " + k2 + ")");
        int[] ab = Arrays.copyOf(a.shape(), a.dim() - 2), bb = Arrays.copyOf(b.shape(), b.dim() - 2);
        int[] batchShape = Shapes.broadcast(ab, bb);
        int batch = Shapes.numelInt(batchShape);
        int[] aFull = concat(batchShape, m, k), bFull = concat(batchShape, k, n);
        Operand oa = Operand.of(a.detach().expand(aFull), batch);
        Operand ob = Operand.of(b.detach().expand(bFull), batch);
        float[] c = new float[batch * m * n];
        for (int i = 0; i < batch; i++) {
            if (m == 0 || n == 0) break;
            Sgemm.sgemm(oa.trans, ob.trans, m, n, k, 1f, oa.data, oa.offset(i), oa.ld, ob.data, ob.offset(i), ob.ld, 0f, c, i * m * n, n);
        }
        Tensor out = Tensor.of(c, concat(batchShape, m, n));
        return out.recordIfNeeded("matmul", g -> new Tensor[] {
                a.requiresGrad() ? Reductions.sumToShape(matmulNd(g, b.detach().transpose(-1, -2)), a.shape()) : null,
                b.requiresGrad() ? Reductions.sumToShape(matmulNd(a.detach().transpose(-1, -2), g), b.shape()) : null}, a, b);
    }

    /** x · wᵀ + bias, w of shape [out, in] (as torch.nn.Linear); bias may be null. */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        if (w.dim() != 2) throw new IllegalArgumentException("linear weight must be 2-D, got " + Arrays.toString(w.shape()));
        int in = w.size(1), outF = w.size(0);
        if (x.size(-1) != in)
            throw new IllegalArgumentException("linear: input last dim " + x.size(-1) + " but weight " + Arrays.toString(w.shape()) + " expects " + in);
        if (OnDevice.any(x, w, bias)) return OnDevice.linear(x, w, bias);
        int[] xs = x.shape();
        int rows = x.numel() / Math.max(in, 1);
        Tensor x2 = x.reshape(rows, in);
        float[] xv = x2.detach().contiguous().floats();
        HalfArray wHalf = HalfWeights.of(w); // a 16-bit weight is widened while packing: no float copy of it
        float[] wv = wHalf != null ? null : w.detach().contiguous().floats();
        float[] y = new float[rows * outF];
        if (bias != null) {
            float[] bv = bias.detach().contiguous().floats();
            if (bv.length != outF) throw new IllegalArgumentException("linear bias has " + bv.length + " values, expected " + outF);
            for (int r = 0; r < rows; r++) System.arraycopy(bv, 0, y, r * outF, outF);
        }
        if (rows > 0 && outF > 0 && wHalf != null)
            Sgemm.sgemm(false, true, rows, outF, in, 1f, xv, 0, in, wHalf, 0, in, bias == null ? 0f : 1f, y, 0, outF);
        else if (rows > 0 && outF > 0)
            Sgemm.sgemm(false, true, rows, outF, in, 1f, xv, 0, in, wv, 0, in, bias == null ? 0f : 1f, y, 0, outF);
        int[] outShape = xs.clone();
        outShape[outShape.length - 1] = outF;
        Tensor out = Tensor.of(y, outShape);
        return out.recordIfNeeded("linear", g -> {
            Tensor g2 = g.reshape(rows, outF).contiguous();
            Tensor gx = null, gw = null, gb = null;
            if (x.requiresGrad()) {
                float[] gxv = new float[rows * in];
                if (wHalf != null) Sgemm.sgemm(false, false, rows, in, outF, 1f, g2.floats(), 0, outF, wHalf, 0, in, 0f, gxv, 0, in);
                else Sgemm.sgemm(false, false, rows, in, outF, 1f, g2.floats(), 0, outF, wv, 0, in, 0f, gxv, 0, in);
                gx = Tensor.of(gxv, xs);
            }
            if (w.requiresGrad()) {
                float[] gwv = new float[outF * in];
                Sgemm.sgemm(true, false, outF, in, rows, 1f, g2.floats(), 0, outF, xv, 0, in, 0f, gwv, 0, in);
                gw = Tensor.of(gwv, outF, in);
            }
            if (bias != null && bias.requiresGrad()) gb = Reductions.sum(g2, new int[] {0}, false).reshape(bias.shape());
            return new Tensor[] {gx, gw, gb};
        }, x, w, bias);
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    /** A batch of matrices as GEMM sees them: data array, per-batch offsets, leading dim and transpose flag. */
    private record Operand(float[] data, int[] offsets, int ld, boolean trans) {
        int offset(int i) { return offsets[i]; }

        static Operand of(Tensor t, int batch) {
            int r = t.dim();
            int rows = t.size(-2), cols = t.size(-1);
            int sr = t.stride(-2), sc = t.stride(-1);
            Tensor src = t;
            boolean trans;
            int ld;
            if (sc == 1 && (sr >= Math.max(cols, 1) || rows == 1) && t.storage() instanceof zest.engine.Storage.Floats) {
                trans = false;
                ld = Math.max(sr, Math.max(cols, 1));
            } else if (sr == 1 && (sc >= Math.max(rows, 1) || cols == 1) && t.storage() instanceof zest.engine.Storage.Floats) {
                trans = true;
                ld = Math.max(sc, Math.max(rows, 1));
            } else {
                // a heap copy: contiguous() alone keeps a contiguous F32 segment (memory-mapped weights) as it is
                src = t.storage() instanceof zest.engine.Storage.Floats ? t.contiguous() : Tensor.of(t.toFloatArray(), t.shape());
                trans = false;
                ld = Math.max(cols, 1);
            }
            int[] offsets = new int[batch];
            int[] shape = src.shape(), strides = src.strides();
            for (int i = 0; i < batch; i++) {
                int rem = i, off = src.offset();
                for (int d = r - 3; d >= 0; d--) {
                    off += (rem % shape[d]) * strides[d];
                    rem /= shape[d];
                }
                offsets[i] = off;
            }
            float[] data = ((zest.engine.Storage.Floats) src.storage()).array();
            return new Operand(data, offsets, ld, trans);
        }
    }
}
