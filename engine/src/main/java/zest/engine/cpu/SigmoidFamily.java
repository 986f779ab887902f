package zest.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector loops for the sigmoid-based activations (sigmoid, SiLU, quick GELU and their derivatives), the busiest
 * pointwise ops of a UNet. σ(v) = 1 / (1 + e^−v) with {@link VectorMath#exp}, so results have the same bits whether
 * the loop runs interpreted or compiled, and the scalar tails ({@link ElementwiseKernels#sigmoidTail}) match them.
 */
final class SigmoidFamily {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private SigmoidFamily() {}

    /**
     * Fills y[from, i) for the largest whole-vector i and returns i; the caller finishes [i, to) with scalar code.
     * The op is chosen once, outside the loops, as in {@link ElementwiseKernels}.
     */
    static int run(ElementwiseKernels.Unary op, float[] x, float[] y, int from, int to) {
        int vl = SPECIES.length(), i = from;
        switch (op) {
            case SIGMOID -> { for (; i + vl <= to; i += vl) sigmoid(load(x, i)).intoArray(y, i); }
            case SILU -> {
                for (; i + vl <= to; i += vl) {
                    FloatVector v = load(x, i);
                    v.mul(sigmoid(v)).intoArray(y, i);
                }
            }
            case SILU_GRAD -> {
                for (; i + vl <= to; i += vl) {
                    FloatVector v = load(x, i), s = sigmoid(v);
                    s.mul(v.mul(s.neg().add(1f)).add(1f)).intoArray(y, i);
                }
            }
            case QUICK_GELU -> {
                for (; i + vl <= to; i += vl) {
                    FloatVector v = load(x, i);
                    v.mul(sigmoid(v.mul(1.702f))).intoArray(y, i);
                }
            }
            case QUICK_GELU_GRAD -> {
                for (; i + vl <= to; i += vl) {
                    FloatVector v = load(x, i), s = sigmoid(v.mul(1.702f));
                    s.add(v.mul(1.702f).mul(s).mul(s.neg().add(1f))).intoArray(y, i);
                }
            }
            default -> throw new IllegalArgumentException("not a sigmoid-family op: " + op);
        }
        return i;
    }

    private static FloatVector load(float[] x, int i) { return FloatVector.fromArray(SPECIES, x, i); }

    private static FloatVector sigmoid(FloatVector v) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        return one.div(VectorMath.exp(v.neg()).add(1f));
    }
}
