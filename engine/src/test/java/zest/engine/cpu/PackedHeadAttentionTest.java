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

    /** Random operands in the UNet's [B, L, H, d] row layout, one [Lq, Lk] bias for every batch and head (or none). */
    private record Operands(int batch, int heads, int lq, int lk, int d, int dv, Matrices q, Matrices k, Matrices v, Bias bias,
                            float scale) {
        static Operands random(SplittableRandom r, int maxHeads, int maxLq, int maxD) {
            int batch = 1 + r.nextInt(2), heads = 1 + r.nextInt(maxHeads);
            int lq = 2 + r.nextInt(maxLq), lk = 2 + r.nextInt(r.nextBoolean() ? 120 : 2300);
            int d = 1 + r.nextInt(maxD), dv = 1 + r.nextInt(maxD);
            Bias bias = r.nextBoolean() ? new Bias(PackedHeadAttentionTest.random(r, lq * lk), 0, 0, 0, lk, 1) : null;
            return new Operands(batch, heads, lq, lk, d, dv, rows(r, batch, lq, heads, d), rows(r, batch, lk, heads, d),
                    rows(r, batch, lk, heads, dv), bias, (float) (1 / Math.sqrt(d)));
        }

        /** Random [B, L, H, width] rows. */
        static Matrices rows(SplittableRandom r, int batch, int l, int heads, int width) {
            return out(PackedHeadAttentionTest.random(r, batch * l * heads * width), l, heads, width);
        }

        static Matrices out(float[] data, int l, int heads, int width) {
            return new Matrices(data, 0, l * heads * width, width, heads * width);
        }

        @Override
        public String toString() {
            return "B" + batch + " H" + heads + " Lq" + lq + " Lk" + lk + " d" + d + " dv" + dv + (bias != null ? " bias" : "");
        }
    }

    @Property(tries = 40)
    void packedForwardEqualsTheSgemmRouteBitForBit(@ForAll long seed) {
        Operands o = Operands.random(new SplittableRandom(seed), 4, 300, 70);
        float[] actual = new float[o.batch() * o.lq() * o.heads() * o.dv()], expected = new float[actual.length];
        AttentionKernels.forward(o.batch(), o.heads(), o.lq(), o.lk(), o.d(), o.dv(), o.q(), o.k(), o.v(), o.bias(), o.scale(),
                Operands.out(actual, o.lq(), o.heads(), o.dv()));
        sgemmRoute(o.batch(), o.heads(), o.lq(), o.lk(), o.d(), o.dv(), o.q(), o.k(), o.v(), o.bias(), o.scale(),
                Operands.out(expected, o.lq(), o.heads(), o.dv()));
        assertArrayEquals(expected, actual, o.toString());
    }

    @Property(tries = 30)
    void packedBackwardEqualsTheSgemmRouteBitForBit(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Operands o = Operands.random(r, 3, 200, 50);
        Matrices go = Operands.rows(r, o.batch(), o.lq(), o.heads(), o.dv());
        int bh = o.batch() * o.heads();
        float[] dq = new float[bh * o.lq() * o.d()], dk = new float[bh * o.lk() * o.d()], dv = new float[bh * o.lk() * o.dv()];
        float[] eq = new float[dq.length], ek = new float[dk.length], ev = new float[dv.length];
        AttentionKernels.backward(o.batch(), o.heads(), o.lq(), o.lk(), o.d(), o.dv(), o.q(), o.k(), o.v(), o.bias(), o.scale(), go, dq, dk, dv);
        sgemmBackward(o.batch(), o.heads(), o.lq(), o.lk(), o.d(), o.dv(), o.q(), o.k(), o.v(), o.bias(), o.scale(), go, eq, ek, ev);
        assertArrayEquals(eq, dq, "dq " + o);
        assertArrayEquals(ek, dk, "dk " + o);
        assertArrayEquals(ev, dv, "dv " + o);
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
