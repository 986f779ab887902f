package zest.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The vector GELU loops give the scalar formulas' bits for every input, branch edges and specials included (a NaN as any NaN). */
class GeluVectorsTest {

    private static void assertSameBits(float[] x) {
        float[] y = new float[x.length], dy = new float[x.length];
        int done = GeluVectors.gelu(x, y, 0, x.length), doneGrad = GeluVectors.geluGrad(x, dy, 0, x.length);
        for (int i = 0; i < done; i++)
            assertEquals(Float.floatToIntBits(MathFunctions.gelu(x[i])), Float.floatToIntBits(y[i]), "gelu(" + x[i] + ")");
        for (int i = 0; i < doneGrad; i++)
            assertEquals(Float.floatToIntBits(MathFunctions.geluGrad(x[i])), Float.floatToIntBits(dy[i]), "gelu'(" + x[i] + ")");
        // fused GEGLU forward and backward against the scalar products
        int n = x.length / 2;
        float[] h = new float[2 * n], out = new float[n], g = new float[n], grad = new float[2 * n];
        for (int i = 0; i < 2 * n; i++) h[i] = x[(i * 7) % x.length];
        for (int i = 0; i < n; i++) g[i] = x[(i * 3 + 1) % x.length];
        int fwd = GeluVectors.geglu(h, 0, n, out, 0, n), bwd = GeluVectors.gegluBackward(h, 0, n, g, 0, grad, 0, n);
        for (int j = 0; j < fwd; j++)
            assertEquals(Float.floatToIntBits(h[j] * MathFunctions.gelu(h[n + j])), Float.floatToIntBits(out[j]), "geglu " + j);
        for (int j = 0; j < bwd; j++) {
            assertEquals(Float.floatToIntBits(g[j] * MathFunctions.gelu(h[n + j])), Float.floatToIntBits(grad[j]), "dvalue " + j);
            assertEquals(Float.floatToIntBits(g[j] * h[j] * MathFunctions.geluGrad(h[n + j])), Float.floatToIntBits(grad[n + j]), "dgate " + j);
        }
    }

    @Property(tries = 200)
    void randomInputsMatchTheScalarBits(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[64 + r.nextInt(64)];
        double spread = new double[] {0.3, 1, 3, 20}[r.nextInt(4)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * spread);
        assertSameBits(x);
    }

    @Example
    void branchEdgesAndSpecialsMatchTheScalarBits() {
        float edge = (float) (0.5 / MathFunctions.INV_SQRT2); // |x|/√2 = 0.5: the switch between erf's two formulas
        float[] x = {0f, -0f, edge, -edge, Math.nextUp(edge), Math.nextDown(edge), -Math.nextUp(edge), 1e-30f, -1e-30f,
                Float.MIN_VALUE, 5f, -5f, 9f, -9f, 40f, -40f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, 0.70710677f, -0.70710677f, 1f, -1f, 2.5f, -2.5f, 3e-8f, 6f, -6f, 7f, -7f};
        assertSameBits(x);
    }
}
