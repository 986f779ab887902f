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

    /*
     * One method per op, each with its own loop: a shared method with a switch compiles for the ops seen so far,
     * and the first call with another op (the backward's SILU_GRAD after a forward's SILU) deoptimises it back to
     * the interpreter, where every Vector API call runs as a slow Java fallback until C2 compiles it again
     * (measured: SiLU loops running at ~1% speed for seconds at a time in a guided UNet step).
     */

    /** Fills y[from, i) = σ(x) for the largest whole-vector i and returns i; the caller finishes [i, to) in scalar code. */
    static int sigmoid(float[] x, float[] y, int from, int to) {
        int vl = SPECIES.length(), i = from;
        for (; i + vl <= to; i += vl) sigmoid(load(x, i)).intoArray(y, i);
        return i;
    }

    /** As {@link #sigmoid(float[], float[], int, int)} for x·σ(x). */
    static int silu(float[] x, float[] y, int from, int to) {
        int vl = SPECIES.length(), i = from;
        for (; i + vl <= to; i += vl) {
            FloatVector v = load(x, i);
            v.mul(sigmoid(v)).intoArray(y, i);
        }
        return i;
    }

    /** As {@link #sigmoid(float[], float[], int, int)} for SiLU's derivative σ(x)·(1 + x·(1 − σ(x))). */
    static int siluGrad(float[] x, float[] y, int from, int to) {
        int vl = SPECIES.length(), i = from;
        for (; i + vl <= to; i += vl) {
            FloatVector v = load(x, i), s = sigmoid(v);
            s.mul(v.mul(s.neg().add(1f)).add(1f)).intoArray(y, i);
        }
        return i;
    }

    /** As {@link #sigmoid(float[], float[], int, int)} for x·σ(1.702·x). */
    static int quickGelu(float[] x, float[] y, int from, int to) {
        int vl = SPECIES.length(), i = from;
        for (; i + vl <= to; i += vl) {
            FloatVector v = load(x, i);
            v.mul(sigmoid(v.mul(1.702f))).intoArray(y, i);
        }
        return i;
    }

    /** As {@link #sigmoid(float[], float[], int, int)} for quick GELU's derivative. */
    static int quickGeluGrad(float[] x, float[] y, int from, int to) {
        int vl = SPECIES.length(), i = from;
        for (; i + vl <= to; i += vl) {
            FloatVector v = load(x, i), s = sigmoid(v.mul(1.702f));
            s.add(v.mul(1.702f).mul(s).mul(s.neg().add(1f))).intoArray(y, i);
        }
        return i;
    }

    private static FloatVector load(float[] x, int i) { return FloatVector.fromArray(SPECIES, x, i); }

    private static FloatVector sigmoid(FloatVector v) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        return one.div(VectorMath.exp(v.neg()).add(1f));
    }
}
