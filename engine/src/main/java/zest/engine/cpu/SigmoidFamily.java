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

    /** Fills y[from, i) for the largest whole-vector i and returns i; the caller finishes [i, to) with scalar code. */
    static int run(ElementwiseKernels.Unary op, float[] x, float[] y, int from, int to) {
        int vl = SPECIES.length(), i = from;
        for (; i + vl <= to; i += vl) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, i);
            FloatVector r = switch (op) {
                case SIGMOID -> sigmoid(v);
                case SILU -> v.mul(sigmoid(v));
                case SILU_GRAD -> {
                    FloatVector s = sigmoid(v);
                    yield s.mul(v.mul(s.neg().add(1f)).add(1f));
                }
                case QUICK_GELU -> v.mul(sigmoid(v.mul(1.702f)));
                case QUICK_GELU_GRAD -> {
                    FloatVector s = sigmoid(v.mul(1.702f));
                    yield s.add(v.mul(1.702f).mul(s).mul(s.neg().add(1f)));
                }
                default -> throw new IllegalArgumentException("not a sigmoid-family op: " + op);
            };
            r.intoArray(y, i);
        }
        return i;
    }

    private static FloatVector sigmoid(FloatVector v) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        return one.div(VectorMath.exp(v.neg()).add(1f));
    }
}
