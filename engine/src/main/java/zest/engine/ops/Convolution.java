package zest.engine.ops;

import java.util.Arrays;
import zest.engine.Tensor;
import zest.engine.cpu.Conv2dKernels;
import zest.engine.cpu.HalfArray;

/** 2-D convolution (torch.nn.functional.conv2d with groups = 1, dilation = 1), with gradients to x, w and bias. */
public final class Convolution {
    private Convolution() {}

    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        return conv2d(x, w, bias, stride, stride, padding, padding);
    }

    /** x [N, C, H, W], w [OC, C, KH, KW], bias [OC] or null → [N, OC, OH, OW]. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int strideH, int strideW, int padH, int padW) {
        int[] xs = x.shape(), ws = w.shape();
        if (xs.length != 4) throw new IllegalArgumentException("conv2d expects x of shape [N, C, H, W], got " + Arrays.toString(xs));
        if (ws.length != 4) throw new IllegalArgumentException("conv2d expects w of shape [OC, C, KH, KW], got " + Arrays.toString(ws));
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3], oc = ws[0], kh = ws[2], kw = ws[3];
        if (ws[1] != c)
            throw new IllegalArgumentException("conv2d: x " + Arrays.toString(xs) + " has " + c + " channels but w "
                    + Arrays.toString(ws) + " expects " + ws[1]);
        if (bias != null && (bias.dim() != 1 || bias.size(0) != oc))
            throw new IllegalArgumentException("conv2d bias must have shape [" + oc + "], got " + Arrays.toString(bias.shape()));
        if (strideH < 1 || strideW < 1 || padH < 0 || padW < 0)
            throw new IllegalArgumentException("conv2d needs stride ≥ 1 and padding ≥ 0, got stride " + strideH + "x" + strideW
                    + ", padding " + padH + "x" + padW);
        if (x.numel() == 0 || w.numel() == 0)
            throw new IllegalArgumentException("conv2d of empty tensors: x " + Arrays.toString(xs) + ", w " + Arrays.toString(ws));
        if (h + 2 * padH < kh || wd + 2 * padW < kw)
            throw new IllegalArgumentException("conv2d: kernel " + kh + "x" + kw + " does not fit input " + h + "x" + wd
                    + " with padding " + padH + "x" + padW);
        if (OnDevice.any(x, w, bias)) return OnDevice.conv2d(x, w, bias, strideH, strideW, padH, padW);
        int oh = (h + 2 * padH - kh) / strideH + 1, ow = (wd + 2 * padW - kw) / strideW + 1;

        HalfArray wHalf = HalfWeights.of(w); // a 16-bit filter is widened while packing: no float copy of it
        float[] xv = values(x), wv = wHalf != null ? null : values(w), bv = bias == null ? null : values(bias);
        float[] y = wHalf != null ? Conv2dKernels.forward(xv, n, c, h, wd, wHalf, oc, kh, kw, bv, strideH, strideW, padH, padW)
                : Conv2dKernels.forward(xv, n, c, h, wd, wv, oc, kh, kw, bv, strideH, strideW, padH, padW);
        Tensor out = Tensor.of(y, n, oc, oh, ow);
        return out.recordIfNeeded("conv2d", g -> {
            float[] gv = values(g);
            // the input gradient reads the filter rotated; a 16-bit one is widened while packing
            Tensor gx = !x.requiresGrad() ? null : Tensor.of(wHalf != null
                    ? Conv2dKernels.backwardInput(gv, n, c, h, wd, wHalf, oc, kh, kw, strideH, strideW, padH, padW)
                    : Conv2dKernels.backwardInput(gv, n, c, h, wd, wv, oc, kh, kw, strideH, strideW, padH, padW), xs);
            Tensor gw = w.requiresGrad()
                    ? Tensor.of(Conv2dKernels.backwardWeight(gv, xv, n, c, h, wd, oc, kh, kw, strideH, strideW, padH, padW), ws) : null;
            Tensor gb = bias != null && bias.requiresGrad() ? Tensor.of(Conv2dKernels.backwardBias(gv, n, oc, oh, ow), oc) : null;
            return new Tensor[] {gx, gw, gb};
        }, x, w, bias);
    }

    /** Row-major F32 values without recording a graph (read-only: may be the tensor's own array). */
    private static float[] values(Tensor t) {
        return t.detach().contiguous().floats();
    }
}
