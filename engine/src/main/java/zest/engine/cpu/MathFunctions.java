package zest.engine.cpu;

/** Scalar special functions the JDK lacks. */
public final class MathFunctions {
    public static final double INV_SQRT2 = 0.7071067811865476;
    public static final double INV_SQRT_2PI = 0.3989422804014327;
    public static final double SQRT_2_OVER_PI = 0.7978845608028654;

    private MathFunctions() {}

    static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    /** Maclaurin coefficients (-1)ⁿ / (n!·(2n+1)) of erf(x)·√π/(2x) in powers of x², n = 0..9. */
    private static final double[] SERIES = new double[10];

    static {
        double fact = 1;
        for (int n = 0; n < SERIES.length; n++) {
            if (n > 0) fact *= n;
            SERIES[n] = (n % 2 == 0 ? 1 : -1) / (fact * (2 * n + 1));
        }
    }

    /** A copy of the erf series coefficients, lowest power first (for {@link GeluVectors}). */
    static double[] erfSeries() { return SERIES.clone(); }

    /**
     * erf(x): for |x| &lt; 0.5 its Maclaurin series (10 terms, error below 1e-13, exactly odd, erf(0) = 0); beyond,
     * the Chebyshev-fitted erfc of Numerical Recipes (absolute error below 1e-7 on the real line), ample for float32.
     */
    public static double erf(double x) {
        double z = Math.abs(x);
        if (z < 0.5) {
            double x2 = x * x, s = SERIES[SERIES.length - 1];
            for (int n = SERIES.length - 2; n >= 0; n--) s = s * x2 + SERIES[n];
            return TWO_OVER_SQRT_PI * x * s;
        }
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }

    /** Exact GELU, 0.5·x·(1 + erf(x/√2)), in double and rounded once (the GELU op and the fused GEGLU share it). */
    public static float gelu(float x) {
        return (float) (0.5 * x * (1.0 + erf(x * INV_SQRT2)));
    }

    /** GELU's derivative Φ(x) + x·φ(x), in double and rounded once. */
    public static float geluGrad(float x) {
        double v = x;
        return (float) (0.5 * (1.0 + erf(v * INV_SQRT2)) + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI);
    }
}
