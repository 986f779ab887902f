package zest.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import zest.engine.testing.Naive;

class MathFunctionsTest {

    /** The reference erf itself, against known values (Abramowitz & Stegun table 7.1 / high-precision values). */
    @Example
    void referenceErfIsRight() {
        assertEquals(0.0, Naive.erf(0), 0);
        assertEquals(0.5204998778130465, Naive.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, Naive.erf(1), 1e-15);
        assertEquals(0.9953222650189527, Naive.erf(2), 1e-15);
        assertEquals(0.9999779095030014, Naive.erf(3), 1e-15);
        assertEquals(-0.8427007929497149, Naive.erf(-1), 1e-15);
    }

    /** erf must be within 2e-7 absolute everywhere on [-6, 6] (dense grid). */
    @Example
    void erfAbsoluteErrorBelow2e7OnMinus6To6() {
        double worst = 0, at = 0;
        for (int i = 0; i <= 1_200_000; i++) {
            double x = -6 + i * 1e-5;
            double err = Math.abs(MathFunctions.erf(x) - Naive.erf(x));
            if (err > worst) { worst = err; at = x; }
        }
        assertTrue(worst <= 2e-7, "max |erf error| " + worst + " at x = " + at);
    }

    /** Near 0 erf(x) ≈ 2x/√π: the sign and the relative accuracy must hold for tiny x too (erf(0) = 0 exactly). */
    @Example
    void erfIsAccurateNearZero() {
        assertEquals(0.0, MathFunctions.erf(0.0), 0);
        assertEquals(0.0, MathFunctions.erf(-0.0), 0);
        for (double x : new double[] {1e-30, 1e-9, 1e-4, 0.01, 0.3, 0.4999}) {
            assertEquals(Naive.erf(x), MathFunctions.erf(x), 1e-12 * Math.abs(Naive.erf(x)) + 1e-300, "erf(" + x + ")");
            assertEquals(-Naive.erf(x), MathFunctions.erf(-x), 1e-12 * Math.abs(Naive.erf(x)) + 1e-300, "erf(-" + x + ")");
        }
        assertTrue(Double.isNaN(MathFunctions.erf(Double.NaN)));
        assertEquals(1.0, MathFunctions.erf(Double.POSITIVE_INFINITY), 0);
        assertEquals(-1.0, MathFunctions.erf(Double.NEGATIVE_INFINITY), 0);
    }

    @Property(tries = 200)
    void erfIsOddAndBounded(@ForAll @DoubleRange(min = -50, max = 50) double x) {
        double y = MathFunctions.erf(x);
        assertTrue(Math.abs(y) <= 1, "erf(" + x + ") = " + y);
        assertEquals(-y, MathFunctions.erf(-x), 0);
        assertTrue(Math.abs(y - Naive.erf(x)) <= 2e-7, "erf(" + x + ") = " + y + " vs " + Naive.erf(x));
    }
}
