package zest.engine.cpu;

/**
 * GEGLU in one pass: for rows of h = [value | gate] (each {@code inner} wide), out = value · gelu(gate) with the
 * exact erf GELU. The composed form (split, gather the gate half, GELU, multiply) writes three arrays the size of
 * the output; this writes one. Every float is rounded as the composed ops round it: gelu(gate) to float first,
 * then the product, and in the backward (g·value)·gelu′(gate), so both forms give the same bits.
 */
public final class GegluKernels {
    private GegluKernels() {}

    /** Rows per parallel task at least this many floats of output. */
    private static final int GRAIN_FLOATS = 1 << 15;

    /** out[r, j] = h[r, j] · gelu(h[r, inner + j]) for r &lt; rows, j &lt; inner. */
    public static void forward(float[] h, int hOff, int rows, int inner, float[] out) {
        Parallel.forRange(rows, Math.max(1, GRAIN_FLOATS / Math.max(inner, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int v = hOff + r * 2 * inner, gt = v + inner, o = r * inner;
                for (int j = GeluVectors.geglu(h, v, gt, out, o, inner); j < inner; j++) out[o + j] = h[v + j] * MathFunctions.gelu(h[gt + j]);
            }
        });
    }

    /** gradH[r, j] = g[r, j] · gelu(gate), gradH[r, inner + j] = (g[r, j] · value) · gelu′(gate). */
    public static void backward(float[] h, int hOff, float[] g, int rows, int inner, float[] gradH) {
        Parallel.forRange(rows, Math.max(1, GRAIN_FLOATS / Math.max(inner, 1)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int v = hOff + r * 2 * inner, gt = v + inner, o = r * inner, d = r * 2 * inner;
                for (int j = GeluVectors.gegluBackward(h, v, gt, g, o, gradH, d, inner); j < inner; j++) {
                    float gate = h[gt + j], gj = g[o + j];
                    gradH[d + j] = gj * MathFunctions.gelu(gate);
                    gradH[d + inner + j] = gj * h[v + j] * MathFunctions.geluGrad(gate);
                }
            }
        });
    }
}
