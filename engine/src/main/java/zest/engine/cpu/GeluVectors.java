package zest.engine.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The exact GELU and its derivative a vector of lanes at a time, with the bits of the scalar
 * {@link MathFunctions#gelu} and {@link MathFunctions#geluGrad}: the same double operations in the same order
 * (no fused multiply-adds, both erf branches computed and the scalar's choice blended in), and the exponentials
 * through {@link Math#exp} lane by lane, since no vector exponential rounds as it does. Twice as fast as the scalar
 * loop, whose erf branch (|x| &lt; 0.5 or not) is a coin toss for a GEGLU's gates.
 */
final class GeluVectors {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final int LANES = D.length();
    private static final double[] SERIES = MathFunctions.erfSeries();

    private GeluVectors() {}

    /** y[from, i) = gelu(x) for the largest whole-vector i, returned; the caller finishes [i, to) with the scalar. */
    static int gelu(float[] x, float[] y, int from, int to) {
        double[] lanes = new double[LANES];
        int i = from;
        for (; i + LANES <= to; i += LANES) gelu(load(x, i), lanes).intoArray(y, i);
        return i;
    }

    /** As {@link #gelu(float[], float[], int, int)} for gelu′. */
    static int geluGrad(float[] x, float[] y, int from, int to) {
        double[] lanes = new double[LANES];
        int i = from;
        for (; i + LANES <= to; i += LANES) geluGrad(load(x, i), lanes).intoArray(y, i);
        return i;
    }

    /** out[o + j] = h[v + j] · gelu(h[g + j]) for j in [0, i), i the largest whole-vector count; returns i. */
    static int geglu(float[] h, int v, int g, float[] out, int o, int n) {
        double[] lanes = new double[LANES];
        int j = 0;
        for (; j + LANES <= n; j += LANES)
            FloatVector.fromArray(F, h, v + j).mul(gelu(load(h, g + j), lanes)).intoArray(out, o + j);
        return j;
    }

    /** GEGLU's gradient for j in [0, i): dValue = g·gelu(gate), dGate = (g·value)·gelu′(gate); returns i. */
    static int gegluBackward(float[] h, int v, int gt, float[] g, int o, float[] grad, int d, int inner) {
        double[] lanes = new double[LANES];
        int j = 0;
        for (; j + LANES <= inner; j += LANES) {
            DoubleVector gate = load(h, gt + j);
            FloatVector gj = FloatVector.fromArray(F, g, o + j);
            gj.mul(gelu(gate, lanes)).intoArray(grad, d + j);
            gj.mul(FloatVector.fromArray(F, h, v + j)).mul(geluGrad(gate, lanes)).intoArray(grad, d + inner + j);
        }
        return j;
    }

    private static DoubleVector load(float[] a, int i) {
        return (DoubleVector) FloatVector.fromArray(F, a, i).convertShape(VectorOperators.F2D, D, 0);
    }

    private static FloatVector narrow(DoubleVector v) {
        return (FloatVector) v.convertShape(VectorOperators.D2F, F, 0);
    }

    /** (float) (0.5·x·(1 + erf(x·(1/√2)))). */
    private static FloatVector gelu(DoubleVector x, double[] lanes) {
        return narrow(x.mul(0.5).mul(erf(x.mul(MathFunctions.INV_SQRT2), lanes).add(1.0)));
    }

    /** (float) (0.5·(1 + erf(x/√2)) + x·exp(−0.5·x·x)·(1/√(2π))). */
    private static FloatVector geluGrad(DoubleVector x, double[] lanes) {
        DoubleVector cdf = erf(x.mul(MathFunctions.INV_SQRT2), lanes).add(1.0).mul(0.5);
        DoubleVector pdf = x.mul(exp(x.mul(-0.5).mul(x), lanes)).mul(MathFunctions.INV_SQRT_2PI);
        return narrow(cdf.add(pdf));
    }

    /** {@link MathFunctions#erf}, operation for operation. */
    private static DoubleVector erf(DoubleVector x, double[] lanes) {
        DoubleVector z = x.abs();
        DoubleVector x2 = x.mul(x), s = DoubleVector.broadcast(D, SERIES[SERIES.length - 1]);
        for (int n = SERIES.length - 2; n >= 0; n--) s = s.mul(x2).add(SERIES[n]);
        DoubleVector series = DoubleVector.broadcast(D, MathFunctions.TWO_OVER_SQRT_PI).mul(x).mul(s);
        DoubleVector t = DoubleVector.broadcast(D, 1.0).div(z.mul(0.5).add(1.0));
        DoubleVector p = t.mul(0.17087277).add(-0.82215223);
        p = t.mul(p).add(1.48851587);
        p = t.mul(p).add(-1.13520398);
        p = t.mul(p).add(0.27886807);
        p = t.mul(p).add(-0.18628806);
        p = t.mul(p).add(0.09678418);
        p = t.mul(p).add(0.37409196);
        p = t.mul(p).add(1.00002368);
        DoubleVector erfc = t.mul(exp(z.neg().mul(z).sub(1.26551223).add(t.mul(p)), lanes));
        DoubleVector rational = erfc.sub(1.0).blend(DoubleVector.broadcast(D, 1.0).sub(erfc), x.compare(VectorOperators.GE, 0.0));
        return rational.blend(series, z.compare(VectorOperators.LT, 0.5));
    }

    /** Math.exp lane by lane. */
    private static DoubleVector exp(DoubleVector v, double[] lanes) {
        v.intoArray(lanes, 0);
        for (int l = 0; l < LANES; l++) lanes[l] = Math.exp(lanes[l]);
        return DoubleVector.fromArray(D, lanes, 0);
    }
}
