package zest.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The score-row step of fused attention, in place: s = softmax(scale·s + bias). With Lk in the thousands the
 * exponentials dominate the whole attention, so they run as a vector exp ({@link VectorMath#exp}, reproducible to
 * the bit, unlike the Vector API's own EXP) instead of scalar Math.exp; results agree with the scalar softmax to a few
 * ulps.
 */
final class AttentionSoftmax {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private AttentionSoftmax() {}

    /** Row of n scores at s[off]; bias element j at bias[biasOff + j·biasStride] (bias may be null). */
    static void scaleBiasSoftmax(float[] s, int off, int n, float scale, float[] bias, int biasOff, int biasStride) {
        if (bias == null) for (int j = 0; j < n; j++) s[off + j] *= scale;
        else if (biasStride == 1) for (int j = 0; j < n; j++) s[off + j] = s[off + j] * scale + bias[biasOff + j];
        else for (int j = 0; j < n; j++) s[off + j] = s[off + j] * scale + bias[biasOff + j * biasStride];
        softmaxInPlace(s, off, n);
    }

    static void softmaxInPlace(float[] s, int off, int n) {
        int bound = SPECIES.loopBound(n), step = SPECIES.length();
        FloatVector vmax = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j < bound; j += step) vmax = vmax.max(FloatVector.fromArray(SPECIES, s, off + j));
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) max = Math.max(max, s[off + j]);
        if (max == Float.NEGATIVE_INFINITY) max = 0; // fully masked row: exp(-inf) = 0 everywhere, as the scalar path

        FloatVector vsum = FloatVector.zero(SPECIES);
        j = 0;
        for (; j < bound; j += step) {
            FloatVector e = FloatVector.fromArray(SPECIES, s, off + j).sub(max);
            e = VectorMath.exp(e);
            e.intoArray(s, off + j);
            vsum = vsum.add(e);
        }
        float sum = VectorMath.sum(vsum);
        for (; j < n; j++) {
            float e = VectorMath.exp(s[off + j] - max);
            s[off + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        j = 0;
        for (; j < bound; j += step) FloatVector.fromArray(SPECIES, s, off + j).mul(inv).intoArray(s, off + j);
        for (; j < n; j++) s[off + j] *= inv;
    }

    /** In place: dp ← p ⊙ (dp − Σⱼ dpⱼ·pⱼ), the gradient through a softmax row. */
    static void backwardInPlace(float[] p, float[] dp, int off, int n) {
        int bound = SPECIES.loopBound(n), step = SPECIES.length();
        FloatVector vdot = FloatVector.zero(SPECIES);
        int j = 0;
        for (; j < bound; j += step)
            vdot = FloatVector.fromArray(SPECIES, dp, off + j).fma(FloatVector.fromArray(SPECIES, p, off + j), vdot);
        float dot = VectorMath.sum(vdot);
        for (; j < n; j++) dot += dp[off + j] * p[off + j];
        j = 0;
        for (; j < bound; j += step) {
            FloatVector pv = FloatVector.fromArray(SPECIES, p, off + j);
            FloatVector.fromArray(SPECIES, dp, off + j).sub(dot).mul(pv).intoArray(dp, off + j);
        }
        for (; j < n; j++) dp[off + j] = p[off + j] * (dp[off + j] - dot);
    }
}
