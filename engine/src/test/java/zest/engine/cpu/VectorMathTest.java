package zest.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Test
    void expIsWithinTwoUlpsOfMathExpAndScalarMatchesVector() {
        Random r = new Random(1);
        float[] x = new float[S.length()];
        for (int trial = 0; trial < 20_000; trial++) {
            for (int i = 0; i < x.length; i++) x[i] = (r.nextFloat() * 2 - 1) * 90f;
            FloatVector y = VectorMath.exp(FloatVector.fromArray(S, x, 0));
            for (int i = 0; i < x.length; i++) {
                float expected = (float) Math.exp(x[i]);
                float got = y.lane(i);
                assertEquals(Float.floatToIntBits(got), Float.floatToIntBits(VectorMath.exp(x[i])), "scalar twin at " + x[i]);
                if (expected == 0f || Float.isInfinite(expected) || expected < Float.MIN_NORMAL) continue;
                assertTrue(Math.abs(got - expected) <= 2 * Math.ulp(expected), "exp(" + x[i] + ") = " + got + " vs " + expected);
            }
        }
    }

    @Test
    void specialValues() {
        assertEquals(0f, VectorMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(VectorMath.exp(Float.NaN)));
        assertEquals(1f, VectorMath.exp(0f));
        assertEquals(0f, VectorMath.exp(-1000f));
    }

    @Test
    void sameBitsBeforeAndAfterTheJitCompilesIt() {
        // the first calls run interpreted; after many more the JIT has compiled both methods
        Random r = new Random(2);
        float[] x = new float[S.length() * 8];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 40 - 30;
        float[] first = evaluate(x);
        for (int i = 0; i < 50_000; i++) evaluate(x);
        float[] later = evaluate(x);
        for (int i = 0; i < first.length; i++)
            assertEquals(Float.floatToIntBits(first[i]), Float.floatToIntBits(later[i]), "element " + i);
    }

    private static float[] evaluate(float[] x) {
        float[] out = new float[x.length + 1];
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < x.length; i += S.length()) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, i));
            e.intoArray(out, i);
            acc = acc.add(e);
        }
        out[x.length] = VectorMath.sum(acc);
        return out;
    }
}
