package zest.engine.cpu;

/**
 * 2-D convolution (groups = 1, dilation = 1, NCHW, float32) and its two backward passes, all as GEMMs on
 * {@link BlockedGemm}:
 * <ul>
 *   <li>forward: out[oc, pixels] = W[oc, c·kh·kw] · cols, with cols packed straight from x (implicit im2col);</li>
 *   <li>backwardInput, stride 1: the forward convolution of gradOut with the rotated, channel-transposed filter
 *       (no scatter; the filter is rearranged while packing); other strides: Wᵀ · gradOut into a bounded column
 *       chunk, then col2im;</li>
 *   <li>backwardWeight: gradW[oc, c·kh·kw] = Σ gradOut · colsᵀ, with colsᵀ packed straight from x.</li>
 * </ul>
 * Scratch memory is bounded (packed GEMM blocks, and at most {@link #COLUMN_CHUNK_FLOATS} floats of columns),
 * whatever the image size. For 1×1 stride-1 convolutions the image already is the column matrix.
 */
public final class Conv2dKernels {
    /** Largest explicit column buffer (32 MB): a full im2col of SD's 512 px VAE layers would need 1.2 GB. */
    static final int COLUMN_CHUNK_FLOATS = 8 << 20;

    private Conv2dKernels() {}

    /** x [n, c, h, w], weight [oc, c, kh, kw], bias [oc] or null → out [n, oc, oh, ow]. */
    public static float[] forward(float[] x, int n, int c, int h, int w, float[] weight, int oc, int kh, int kw,
                                  float[] bias, int sh, int sw, int ph, int pw) {
        Conv2dGeometry g = new Conv2dGeometry(n, c, h, w, oc, kh, kw, sh, sw, ph, pw);
        float[] out = new float[arraySize(g.outputSize())];
        forward(g, x, 0, weight, 0, bias, out, 0);
        return out;
    }

    /**
     * As {@link #forward(float[], int, int, int, int, float[], int, int, int, float[], int, int, int, int)} with a
     * 16-bit weight, widened while the filter blocks are packed (same bits, no float copy of the weight).
     */
    public static float[] forward(float[] x, int n, int c, int h, int w, HalfArray weight, int oc, int kh, int kw,
                                  float[] bias, int sh, int sw, int ph, int pw) {
        Conv2dGeometry g = new Conv2dGeometry(n, c, h, w, oc, kh, kw, sh, sw, ph, pw);
        requireLength("x", x, 0, g.inputSize());
        if (weight.length() < g.weightSize())
            throw new IndexOutOfBoundsException("weight needs " + g.weightSize() + " values but has " + weight.length());
        if (bias != null && bias.length < g.oc()) throw new IllegalArgumentException("bias shorter than oc");
        float[] out = new float[arraySize(g.outputSize())];
        convolve(g, x, 0, new HalfMatrixAPanels(weight, 0, g.patchSize()), out, 0);
        if (bias != null) ConvPlanes.addBias(out, 0, g.n(), g.oc(), g.outputPlane(), bias);
        return out;
    }

    /** gradOut [n, oc, oh, ow], weight [oc, c, kh, kw] → gradX [n, c, h, w]. */
    public static float[] backwardInput(float[] gradOut, int n, int c, int h, int w, float[] weight, int oc, int kh,
                                        int kw, int sh, int sw, int ph, int pw) {
        Conv2dGeometry g = new Conv2dGeometry(n, c, h, w, oc, kh, kw, sh, sw, ph, pw);
        float[] gradX = new float[arraySize(g.inputSize())];
        backwardInput(g, gradOut, 0, weight, 0, gradX, 0);
        return gradX;
    }

    /**
     * As {@link #backwardInput(float[], int, int, int, int, float[], int, int, int, int, int, int, int)} with a 16-bit
     * filter: stride 1 widens it while packing (same bits, no float copy); other strides widen it for the call.
     */
    public static float[] backwardInput(float[] gradOut, int n, int c, int h, int w, HalfArray weight, int oc, int kh,
                                        int kw, int sh, int sw, int ph, int pw) {
        Conv2dGeometry g = new Conv2dGeometry(n, c, h, w, oc, kh, kw, sh, sw, ph, pw);
        if (!rotatesFilter(g)) return backwardInput(gradOut, n, c, h, w, weight.toFloats(), oc, kh, kw, sh, sw, ph, pw);
        requireLength("gradOut", gradOut, 0, g.outputSize());
        if (weight.length() < g.weightSize())
            throw new IndexOutOfBoundsException("weight needs " + g.weightSize() + " values but has " + weight.length());
        float[] gradX = new float[arraySize(g.inputSize())];
        convolve(rotated(g), gradOut, 0, new RotatedHalfFilterPanels(weight, 0, g), gradX, 0);
        return gradX;
    }

    /** gradOut [n, oc, oh, ow], x [n, c, h, w] → gradW [oc, c, kh, kw]. */
    public static float[] backwardWeight(float[] gradOut, float[] x, int n, int c, int h, int w, int oc, int kh,
                                         int kw, int sh, int sw, int ph, int pw) {
        Conv2dGeometry g = new Conv2dGeometry(n, c, h, w, oc, kh, kw, sh, sw, ph, pw);
        float[] gradW = new float[arraySize(g.weightSize())];
        backwardWeight(g, gradOut, 0, x, 0, gradW, 0);
        return gradW;
    }

    /** gradOut [n, oc, oh, ow] → gradBias [oc] = Σ over n, oh, ow. */
    public static float[] backwardBias(float[] gradOut, int n, int oc, int oh, int ow) {
        int plane = oh * ow;
        requireLength("gradOut", gradOut, 0, (long) n * oc * plane);
        float[] gradBias = new float[oc];
        Parallel.parallelFor(oc, o -> {
            double sum = 0; // many terms (a whole 512×512 plane): accumulate in double
            for (int img = 0; img < n; img++) sum += ConvPlanes.sum(gradOut, (img * oc + o) * plane, plane);
            gradBias[o] = (float) sum;
        });
        return gradBias;
    }

    public static void forward(Conv2dGeometry g, float[] x, int xOff, float[] weight, int wOff, float[] bias,
                               float[] out, int outOff) {
        requireLength("x", x, xOff, g.inputSize());
        requireLength("weight", weight, wOff, g.weightSize());
        requireLength("out", out, outOff, g.outputSize());
        if (bias != null && bias.length < g.oc()) throw new IllegalArgumentException("bias shorter than oc");
        convolve(g, x, xOff, new MatrixAPanels(weight, wOff, g.patchSize(), 1), out, outOff);
        if (bias != null) ConvPlanes.addBias(out, outOff, g.n(), g.oc(), g.outputPlane(), bias);
    }

    public static void backwardInput(Conv2dGeometry g, float[] gradOut, int gOff, float[] weight, int wOff,
                                     float[] gradX, int gxOff) {
        requireLength("gradOut", gradOut, gOff, g.outputSize());
        requireLength("weight", weight, wOff, g.weightSize());
        requireLength("gradX", gradX, gxOff, g.inputSize());
        if (rotatesFilter(g)) {
            convolve(rotated(g), gradOut, gOff, new RotatedFilterPanels(weight, wOff, g), gradX, gxOff);
        } else {
            ColumnBackward.backwardInput(g, gradOut, gOff, weight, wOff, gradX, gxOff, COLUMN_CHUNK_FLOATS);
        }
    }

    public static void backwardWeight(Conv2dGeometry g, float[] gradOut, int gOff, float[] x, int xOff,
                                      float[] gradW, int gwOff) {
        requireLength("gradOut", gradOut, gOff, g.outputSize());
        requireLength("x", x, xOff, g.inputSize());
        requireLength("gradW", gradW, gwOff, g.weightSize());
        int patch = g.patchSize(), pixels = g.outputPlane(), inPlane = g.c() * g.inputPlane();
        for (int img = 0; img < g.n(); img++) {
            int xi = xOff + img * inPlane;
            GemmBPanels cols = g.isPointwise() ? new MatrixBPanels(true, x, xi, pixels) : new Im2colTransposedPanels(x, xi, g);
            float beta = img == 0 ? 0f : 1f; // images accumulate into one gradient
            BlockedGemm.multiply(g.oc(), patch, pixels, 1f, new MatrixAPanels(gradOut, gOff + img * g.oc() * pixels, pixels, 1),
                    cols, beta, gradW, gwOff, patch, true);
        }
    }

    /** Whether the input gradient is a plain convolution of gradOut with the rotated filter (stride 1, p &lt; k). */
    private static boolean rotatesFilter(Conv2dGeometry g) {
        return g.sh() == 1 && g.sw() == 1 && g.ph() < g.kh() && g.pw() < g.kw();
    }

    /** Stride 1: a full correlation of gradOut with the rotated filter, padded by k−1−p, is exactly gradX. */
    private static Conv2dGeometry rotated(Conv2dGeometry g) {
        return new Conv2dGeometry(g.n(), g.oc(), g.oh(), g.ow(), g.c(), g.kh(), g.kw(), 1, 1, g.kh() - 1 - g.ph(),
                g.kw() - 1 - g.pw());
    }

    /** out[img] = filter · cols(x[img]) for every image, where the filter is oc × (c·kh·kw). */
    private static void convolve(Conv2dGeometry g, float[] x, int xOff, GemmAPanels filter, float[] out, int outOff) {
        int pixels = g.outputPlane(), inPlane = g.c() * g.inputPlane();
        for (int img = 0; img < g.n(); img++) {
            int xi = xOff + img * inPlane;
            // a 1×1 stride-1 convolution's columns are the image itself
            GemmBPanels cols = g.isPointwise() ? new MatrixBPanels(false, x, xi, pixels) : new Im2colPanels(x, xi, g);
            BlockedGemm.multiply(g.oc(), pixels, g.patchSize(), 1f, filter, cols, 0f, out, outOff + img * g.oc() * pixels,
                    pixels, true);
        }
    }

    static int arraySize(long size) {
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor too large for one array: " + size);
        return (int) size;
    }

    static void requireLength(String name, float[] arr, int off, long size) {
        if (off < 0 || off + size > arr.length) {
            throw new IndexOutOfBoundsException(name + " needs " + size + " floats from offset " + off
                    + " but has length " + arr.length);
        }
    }
}
