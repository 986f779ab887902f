package zest.engine.cpu;

/**
 * Shape of a 2-D convolution (groups = 1, dilation = 1, NCHW): input [n, c, h, w], weight [oc, c, kh, kw],
 * stride (sh, sw), symmetric zero padding (ph, pw), output [n, oc, oh, ow].
 */
public record Conv2dGeometry(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw) {
    public Conv2dGeometry {
        if (n < 1 || c < 1 || h < 1 || w < 1 || oc < 1 || kh < 1 || kw < 1) {
            throw new IllegalArgumentException("sizes must be ≥ 1: " + this);
        }
        if (sh < 1 || sw < 1 || ph < 0 || pw < 0) throw new IllegalArgumentException("bad stride/padding: " + this);
        if (h + 2 * ph < kh || w + 2 * pw < kw) throw new IllegalArgumentException("kernel larger than padded input: " + this);
    }

    public int oh() { return (h + 2 * ph - kh) / sh + 1; }

    public int ow() { return (w + 2 * pw - kw) / sw + 1; }

    /** Rows of the im2col matrix: one per (input channel, kernel row, kernel column). */
    public int patchSize() { return c * kh * kw; }

    public int inputPlane() { return h * w; }

    public int outputPlane() { return oh() * ow(); }

    public long inputSize() { return (long) n * c * h * w; }

    public long outputSize() { return (long) n * oc * oh() * ow(); }

    public long weightSize() { return (long) oc * c * kh * kw; }

    /** Multiply-adds of the forward pass; each backward pass costs the same. */
    public long macs() { return (long) n * oc * outputPlane() * patchSize(); }

    boolean isPointwise() { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }
}
