package zest.engine.cpu;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SgemmTest {

    @Provide
    Arbitrary<Float> scalars() {
        return Arbitraries.of(0f, 1f, -1f, 0.5f, 2.25f, -0.75f);
    }

    /** Small and odd shapes: every edge-tile combination of the 6×2V micro-kernel, and the direct small path. */
    @Property(tries = 400)
    void smallShapesMatchReference(@ForAll @IntRange(min = 1, max = 70) int m,
                                   @ForAll @IntRange(min = 1, max = 70) int n,
                                   @ForAll @IntRange(min = 1, max = 70) int k,
                                   @ForAll boolean transA, @ForAll boolean transB,
                                   @ForAll("scalars") float alpha, @ForAll("scalars") float beta,
                                   @ForAll @IntRange(max = 9) int offset, @ForAll @IntRange(max = 5) int ldPad,
                                   @ForAll long seed) {
        new GemmReference(transA, transB, m, n, k, alpha, beta, offset, ldPad, seed).run().check();
    }

    /** Shapes that span several MR/NR tiles, KC slices and thread splits. */
    @Property(tries = 16)
    void largerShapesMatchReference(@ForAll @IntRange(min = 60, max = 400) int m,
                                    @ForAll @IntRange(min = 60, max = 500) int n,
                                    @ForAll @IntRange(min = 1, max = 600) int k,
                                    @ForAll boolean transA, @ForAll boolean transB,
                                    @ForAll("scalars") float alpha, @ForAll("scalars") float beta,
                                    @ForAll @IntRange(max = 3) int ldPad, @ForAll long seed) {
        new GemmReference(transA, transB, m, n, k, alpha, beta, 3, ldPad, seed).run().check();
    }

    /** Deep products: several k slices, each after the first accumulating onto the partial C. */
    @Property(tries = 12)
    void deepShapesMatchReference(@ForAll @IntRange(min = 1, max = 40) int m,
                                  @ForAll @IntRange(min = 1, max = 70) int n,
                                  @ForAll @IntRange(min = 900, max = 2600) int k,
                                  @ForAll boolean transA, @ForAll boolean transB,
                                  @ForAll("scalars") float beta, @ForAll long seed) {
        new GemmReference(transA, transB, m, n, k, 1f, beta, 2, 1, seed).run().check();
    }

    /** Just past each cache block size (MC, NC, KC), so every blocking loop has a ragged last block. */
    @Example
    void crossesEveryBlockBoundary() {
        int[][] shapes = {{BlockedGemm.MC_MAX + 7, 37, BlockedGemm.KC + 1}, {13, BlockedGemm.NC + 3, BlockedGemm.KC + 1}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                new GemmReference((t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1f, 0.5f, 1, 2, 42 + t).run().check();
            }
        }
    }

    /** How the work is split over threads must not change a single bit (training resumes bit-identically). */
    @Example
    void resultDoesNotDependOnThreadSplit() {
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            GemmReference g = new GemmReference(ta, tb, 211, 301, 700, 1.5f, 0.5f, 0, 1, t);
            float[] serial = g.c.clone();
            Sgemm.multiply(ta, tb, g.m, g.n, g.k, g.alpha, g.a, g.aOff, g.lda, g.b, g.bOff, g.ldb, g.beta, serial, g.cOff, g.ldc, false);
            g.run();
            for (int i = 0; i < serial.length; i++) {
                assertEquals(Float.floatToRawIntBits(serial[i]), Float.floatToRawIntBits(g.c[i]), "bits differ at " + i);
            }
        }
    }

    @Example
    void betaZeroIgnoresNaNInC() {
        for (int size : new int[] {3, 40, 130}) {
            GemmReference g = new GemmReference(false, false, size, size, size, 1f, 0f, 0, 0, size)
                    .fillC(Float.NaN).run();
            for (float v : g.c) assertFalse(Float.isNaN(v));
            g.check();
        }
    }

    @Example
    void emptyDimensions() {
        float[] c = {1f, 2f, 3f, 4f};
        Sgemm.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0.5f, c, 0, 2);
        assertEquals(java.util.List.of(0.5f, 1f, 1.5f, 2f), java.util.List.of(c[0], c[1], c[2], c[3]));
        Sgemm.sgemm(false, false, 0, 2, 3, 1f, new float[0], 0, 3, new float[6], 0, 2, 0f, new float[0], 0, 2);
        float[] nan = {Float.NaN};
        Sgemm.sgemm(false, false, 1, 1, 0, 1f, new float[0], 0, 1, new float[0], 0, 1, 0f, nan, 0, 1);
        assertEquals(0f, nan[0]);
    }

    @Example
    void rejectsBadArguments() {
        float[] x = new float[16];
        assertThrows(IllegalArgumentException.class, () -> Sgemm.sgemm(false, false, 4, 4, 4, 1f, x, 0, 3, x, 0, 4, 0f, x, 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> Sgemm.sgemm(false, false, 4, 4, 4, 1f, x, 1, 4, x, 0, 4, 0f, x, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Sgemm.sgemm(false, false, -1, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, x, 0, 4));
    }

    @Property(tries = 30)
    void batchedMatchesOneProductAtATime(@ForAll @IntRange(min = 1, max = 50) int m,
                                         @ForAll @IntRange(min = 1, max = 50) int n,
                                         @ForAll @IntRange(min = 1, max = 50) int k,
                                         @ForAll @IntRange(min = 1, max = 5) int batch,
                                         @ForAll boolean transA, @ForAll boolean transB,
                                         @ForAll boolean sharedB, @ForAll long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        int strideA = m * k + 3, strideB = sharedB ? 0 : k * n + 1, strideC = m * n + 2;
        float[] a = random(rnd, batch * strideA), b = random(rnd, Math.max(1, batch * strideB) + k * n);
        float[] c = random(rnd, batch * strideC), expected = c.clone();
        int lda = transA ? m : k, ldb = transB ? k : n;
        for (int t = 0; t < batch; t++) {
            Sgemm.sgemm(transA, transB, m, n, k, 0.5f, a, t * strideA, lda, b, t * strideB, ldb, 1f, expected, t * strideC, n);
        }
        Sgemm.sgemmBatched(transA, transB, m, n, k, 0.5f, a, 0, lda, b, 0, ldb, 1f, c, 0, n, batch, strideA, strideB, strideC);
        for (int i = 0; i < c.length; i++) assertEquals(expected[i], c[i], 1e-5f * (1 + Math.abs(expected[i])), "at " + i);
    }

    private static float[] random(java.util.Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = rnd.nextFloat() * 2 - 1;
        return x;
    }
}
