package zest.engine.cpu;

/**
 * Direct-loop convolution in double precision, written straight from the definition: the oracle for
 * {@link Conv2dKernels}. Each backward pass is the literal adjoint of {@link #forward}: every term
 * x·w that forward adds into an output is sent back to the input (or weight) it came from.
 */
final class ConvReference {
    private ConvReference() {}

    /** Calls visitor(xIndex, wIndex, outIndex) for every multiply-add of the forward convolution. */
    interface Term { void accept(int xi, int wi, int oi); }

    static void forEachTerm(Conv2dGeometry g, Term term) {
        int oh = g.oh(), ow = g.ow();
        for (int img = 0; img < g.n(); img++)
            for (int o = 0; o < g.oc(); o++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                        for (int ci = 0; ci < g.c(); ci++)
                            for (int ki = 0; ki < g.kh(); ki++)
                                for (int kj = 0; kj < g.kw(); kj++) {
                                    int iy = oy * g.sh() + ki - g.ph(), ix = ox * g.sw() + kj - g.pw();
                                    if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                                    term.accept(((img * g.c() + ci) * g.h() + iy) * g.w() + ix,
                                            ((o * g.c() + ci) * g.kh() + ki) * g.kw() + kj,
                                            ((img * g.oc() + o) * oh + oy) * ow + ox);
                                }
    }

    static double[] forward(Conv2dGeometry g, float[] x, float[] w, float[] bias) {
        double[] out = new double[(int) g.outputSize()];
        forEachTerm(g, (xi, wi, oi) -> out[oi] += (double) x[xi] * w[wi]);
        if (bias != null) {
            int plane = g.outputPlane();
            for (int i = 0; i < out.length; i++) out[i] += bias[i / plane % g.oc()];
        }
        return out;
    }

    static double[] backwardInput(Conv2dGeometry g, float[] gradOut, float[] w) {
        double[] gx = new double[(int) g.inputSize()];
        forEachTerm(g, (xi, wi, oi) -> gx[xi] += (double) gradOut[oi] * w[wi]);
        return gx;
    }

    static double[] backwardWeight(Conv2dGeometry g, float[] gradOut, float[] x) {
        double[] gw = new double[(int) g.weightSize()];
        forEachTerm(g, (xi, wi, oi) -> gw[wi] += (double) gradOut[oi] * x[xi]);
        return gw;
    }

    /** Same as forEachTerm, summing |products| per output: the scale for float rounding tolerances. */
    static double[] magnitude(Conv2dGeometry g, float[] a, float[] b, int target) {
        double[] mag = new double[(int) (target == 0 ? g.outputSize() : target == 1 ? g.inputSize() : g.weightSize())];
        forEachTerm(g, (xi, wi, oi) -> {
            switch (target) {
                case 0 -> mag[oi] += Math.abs((double) a[xi] * b[wi]);
                case 1 -> mag[xi] += Math.abs((double) a[oi] * b[wi]);
                default -> mag[wi] += Math.abs((double) a[oi] * b[xi]);
            }
        });
        return mag;
    }
}
