package zest.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector maths that gives the same bits whether a kernel runs interpreted or JIT-compiled. The Vector API's own
 * {@code reduceLanes(ADD)} and {@code lanewise(EXP)} do not: their fallback and intrinsic forms sum in a different
 * order or use a different exp, so a seed would not reproduce an image bit for bit. Built from add/mul/fma and
 * exact conversions only, which IEEE fixes to the bit.
 */
public final class VectorMath {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f; // 1.5·2^23: adding and subtracting it rounds to an integer
    private static final float MAX_ARG = 88.7228391f, MIN_ARG = -87.33654475f;

    private VectorMath() {}

    /** The lanes' sum, added in lane order. */
    public static float sum(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    /** e^x per lane (Cephes expf polynomial, ≤ 2 ulp); 0 below the float range, +inf above it, NaN stays NaN. */
    public static FloatVector exp(FloatVector x) {
        var species = x.species();
        VectorMask<Float> under = x.lt(MIN_ARG), over = x.compare(VectorOperators.GT, MAX_ARG);
        FloatVector xc = x.max(MIN_ARG).min(MAX_ARG);
        FloatVector n = xc.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(species, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(species, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(species, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(species, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(species, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(species, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(species, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(species, 5.0000001201e-1f));
        FloatVector y = p.mul(r.mul(r)).add(r).add(1f);
        // 2^n from the exponent bits; n lies in [-126, 128] after the clamp, so split it to stay representable
        FloatVector half = n.mul(0.5f).add(ROUND_MAGIC).sub(ROUND_MAGIC);
        y = y.mul(pow2(half)).mul(pow2(n.sub(half)));
        y = y.blend(0f, under).blend(Float.POSITIVE_INFINITY, over);
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** 2^n for integral n in [-126, 127], by placing n + 127 in the exponent field. */
    private static FloatVector pow2(FloatVector n) {
        return (FloatVector) n.add(127f).convert(VectorOperators.F2I, 0).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
    }

    /** Scalar twin of {@link #exp(FloatVector)} for loop tails (same formula, same bits). */
    public static float exp(float x) {
        if (Float.isNaN(x)) return x;
        if (x < MIN_ARG) return 0f;
        if (x > MAX_ARG) return Float.POSITIVE_INFINITY;
        float n = (x * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = 1.9875691500e-4f;
        p = Math.fma(p, r, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        float y = p * (r * r) + r + 1f;
        float half = (n * 0.5f + ROUND_MAGIC) - ROUND_MAGIC;
        return y * Float.intBitsToFloat(((int) half + 127) << 23) * Float.intBitsToFloat(((int) (n - half) + 127) << 23);
    }
}
