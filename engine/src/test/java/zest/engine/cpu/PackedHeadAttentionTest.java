package zest.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.cpu.AttentionKernels.Bias;
import zest.engine.cpu.AttentionKernels.Matrices;

/**
 * The attention forward with per-head packed Kᵀ and V gives the bits of the per-block {@link Sgemm} route it
 * replaced (scores, softmax, P·V through the blocked GEMM), for head layouts as the UNet passes them ([B, L, H, d]
 * rows), with and without an additive bias, over block edges, partial tiles and more than one k slice.
 */
class PackedHeadAttentionTest {

    @Property(tries = 40)
    void packedForwardEqualsTheSgemmRouteBitForBit(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int batch = 1 + r.nextInt(2), heads = 1 + r.nextInt(4);
        int lq = 2 + r.nextInt(300), lk = 1 + r.nextInt(r.nextBoolean() ? 120 : 2300);
        int d = 1 + r.nextInt(70), dv = 1 + r.nextInt(70);
        boolean withBias = r.nextBoolean();
        float[] q = random(r, batch * lq * heads * d), k = random(r, batch * lk * heads * d), v = random(r, batch * lk * heads * dv);
        Matrices mq = new Matrices(q, 0, lq * heads * d, d, heads * d), mk = new Matrices(k, 0, lk * heads * d, d, heads * d);
        Matrices mv = new Matrices(v, 0, lk * heads * dv, dv, heads * dv);
        float[] biasData = withBias ? random(r, lq * lk) : null;
        Bias bias = withBias ? new Bias(biasData, 0, 0, 0, lk, 1) : null; // one [Lq, Lk] bias for every batch and head
        float scale = (float) (1 / Math.sqrt(d));
        float[] actual = new float[batch * lq * heads * dv], expected = new float[actual.length];
        Matrices outA = new Matrices(actual, 0, lq * heads * dv, dv, heads * dv), outE = new Matrices(expected, 0, lq * heads * dv, dv, heads * dv);
        AttentionKernels.forward(batch, heads, lq, lk, d, dv, mq, mk, mv, bias, scale, outA);
        sgemmRoute(batch, heads, lq, lk, d, dv, mq, mk, mv, bias, scale, outE);
        assertArrayEquals(expected, actual, "B" + batch + " H" + heads + " Lq" + lq + " Lk" + lk + " d" + d + " dv" + dv + (withBias ? " bias" : ""));
    }

    @Property(tries = 30)
    void packedBackwardEqualsTheSgemmRouteBitForBit(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int batch = 1 + r.nextInt(2), heads = 1 + r.nextInt(3);
        int lq = 2 + r.nextInt(200), lk = 2 + r.nextInt(r.nextBoolean() ? 120 : 2300);
        int d = 1 + r.nextInt(50), dv = 1 + r.nextInt(50);
        boolean withBias = r.nextBoolean();
        float[] q = random(r, batch * lq * heads * d), k = random(r, batch * lk * heads * d), v = random(r, batch * lk * heads * dv);
        float[] go = random(r, batch * lq * heads * dv);
        Matrices mq = new Matrices(q, 0, lq * heads * d, d, heads * d), mk = new Matrices(k, 0, lk * heads * d, d, heads * d);
        Matrices mv = new Matrices(v, 0, lk * heads * dv, dv, heads * dv), mg = new Matrices(go, 0, lq * heads * dv, dv, heads * dv);
        Bias bias = withBias ? new Bias(random(r, lq * lk), 0, 0, 0, lk, 1) : null;
        float scale = (float) (1 / Math.sqrt(d));
        int bh = batch * heads;
        float[] dq = new float[bh * lq * d], dk = new float[bh * lk * d], dvv = new float[bh * lk * dv];
        float[] eq = new float[dq.length], ek = new float[dk.length], ev = new float[dvv.length];
        AttentionKernels.backward(batch, heads, lq, lk, d, dv, mq, mk, mv, bias, scale, mg, dq, dk, dvv);
        sgemmBackward(batch, heads, lq, lk, d, dv, mq, mk, mv, bias, scale, mg, eq, ek, ev);
        String what = "B" + batch + " H" + heads + " Lq" + lq + " Lk" + lk + " d" + d + " dv" + dv + (withBias ? " bias" : "");
        assertArrayEquals(eq, dq, "dq " + what);
        assertArrayEquals(ek, dk, "dk " + what);
        assertArrayEquals(ev, dvv, "dv " + what);
    }

    /** The backward before packing: per head and block, every product through Sgemm. */
    private static void sgemmBackward(int batch, int heads, int lq, int lk, int d, int dv, Matrices q, Matrices k, Matrices v,
                                      Bias bias, float scale, Matrices gradOut, float[] dq, float[] dk, float[] dvOut) {
        int block = Math.max(1, Math.min(Math.clamp((1 << 18) / Math.max(lk, 1), 16, 256), lq));
        float[] p = new float[Math.min(block, lq) * lk], ds = new float[p.length];
        for (int bh = 0; bh < batch * heads; bh++) {
            int b = bh / heads, h = bh % heads;
            for (int i0 = 0; i0 < lq; i0 += block) {
                int rows = Math.min(block, lq - i0);
                int qAt = q.at(b, h) + i0 * q.ld(), gAt = gradOut.at(b, h) + i0 * gradOut.ld();
                Sgemm.sgemm(false, true, rows, lk, d, 1f, q.data(), qAt, q.ld(), k.data(), k.at(b, h), k.ld(), 0f, p, 0, lk);
                for (int row = 0; row < rows; row++) {
                    if (bias == null) AttentionSoftmax.scaleBiasSoftmax(p, row * lk, lk, scale, null, 0, 0);
                    else AttentionSoftmax.scaleBiasSoftmax(p, row * lk, lk, scale, bias.data(), (i0 + row) * bias.si(), bias.sj());
                }
                Sgemm.sgemm(true, false, lk, dv, rows, 1f, p, 0, lk, gradOut.data(), gAt, gradOut.ld(), i0 == 0 ? 0f : 1f, dvOut, bh * lk * dv, dv);
                Sgemm.sgemm(false, true, rows, lk, dv, 1f, gradOut.data(), gAt, gradOut.ld(), v.data(), v.at(b, h), v.ld(), 0f, ds, 0, lk);
                for (int row = 0; row < rows; row++) AttentionSoftmax.backwardInPlace(p, ds, row * lk, lk);
                Sgemm.sgemm(false, false, rows, d, lk, scale, ds, 0, lk, k.data(), k.at(b, h), k.ld(), 0f, dq, (bh * lq + i0) * d, d);
                Sgemm.sgemm(true, false, lk, d, rows, scale, ds, 0, lk, q.data(), qAt, q.ld(), i0 == 0 ? 0f : 1f, dk, bh * lk * d, d);
            }
        }
    }

    @Example
    void theUNetsLargestShapeTakesThePackedRoute() {
        assertTrue(PackedHeadAttention.handles(64, 4096, 40, 40));
        assertTrue(!PackedHeadAttention.handles(1, 4096, 40, 40)); // a 1-row block: Sgemm's m = 1 path
    }

    /** The route before packing: per block, Q·Kᵀ and P·V each through Sgemm. */
    private static void sgemmRoute(int batch, int heads, int lq, int lk, int d, int dv, Matrices q, Matrices k, Matrices v,
                                   Bias bias, float scale, Matrices out) {
        int block = AttentionKernels.blockRows(batch * heads, lq, lk);
        float[] p = new float[Math.min(block, lq) * lk];
        for (int bh = 0; bh < batch * heads; bh++) {
            int b = bh / heads, h = bh % heads;
            for (int i0 = 0; i0 < lq; i0 += block) {
                int rows = Math.min(block, lq - i0);
                Sgemm.sgemm(false, true, rows, lk, d, 1f, q.data(), q.at(b, h) + i0 * q.ld(), q.ld(), k.data(), k.at(b, h), k.ld(), 0f, p, 0, lk);
                for (int row = 0; row < rows; row++) {
                    if (bias == null) AttentionSoftmax.scaleBiasSoftmax(p, row * lk, lk, scale, null, 0, 0);
                    else AttentionSoftmax.scaleBiasSoftmax(p, row * lk, lk, scale, bias.data(), (i0 + row) * bias.si(), bias.sj());
                }
                Sgemm.sgemm(false, false, rows, dv, lk, 1f, p, 0, lk, v.data(), v.at(b, h), v.ld(), 0f, out.data(), out.at(b, h) + i0 * out.ld(), out.ld());
            }
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
