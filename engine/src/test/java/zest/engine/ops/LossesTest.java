package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/** BCE (mean and elementwise) and MSE: values vs double references, gradients vs finite differences. */
class LossesTest {

    private static double bce(double p, double t) {
        return -(t * Math.max(Math.log(p), -100) + (1 - t) * Math.max(Math.log(1 - p), -100));
    }

    @Property(tries = 50)
    void bceMatchesReference(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 3, 5);
        Sample p = g.sample(g.uniformDist(0.01, 0.99), shape), t = g.sample(g.uniformDist(0, 1), shape);
        double[] each = new double[p.numel()];
        double mean = 0;
        for (int i = 0; i < each.length; i++) mean += each[i] = bce(p.v()[i], t.v()[i]);
        mean /= each.length;
        Naive.assertClose(Losses.bceNoReduction(p.t(), t.t()), each, shape, 1e-6, 1e-6, "bce none " + p);
        Naive.assertClose(Losses.bce(p.t(), t.t()), new double[] {mean}, new int[0], 1e-6, 1e-6, "bce mean " + p);
    }

    @Property(tries = 30)
    void bceGradientsToInputAndTarget(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 2, 4);
        Tensor p = g.leaf(g.uniformDist(0.1, 0.9), shape).t().requiresGrad(true);
        Tensor t = g.leaf(g.uniformDist(0, 1), shape).t().requiresGrad(g.nextBoolean());
        GradCheck.of(in -> Losses.bce(in[0], in[1])).check(p, t);
        GradCheck.of(in -> Losses.bceNoReduction(in[0], in[1])).check(p, t);
    }

    /** At p = 0 or 1 the clamped logs keep the loss finite (100 per wrong element) and the gradient uses 1e-12. */
    @Example
    void bceClampsAtTheEnds() {
        Tensor p = Tensor.of(new float[] {0f, 1f, 0f}, 3).requiresGrad(true);
        Tensor t = Tensor.of(new float[] {1f, 0f, 0f}, 3);
        Tensor loss = Losses.bce(p, t);
        assertEquals(200f / 3, loss.item(), 1e-4);
        loss.backward();
        float[] g = p.grad().toFloatArray();
        assertEquals(-1e12f / 3, g[0], 1e6);
        assertEquals(1e12f / 3, g[1], 1e6);
        assertEquals(0f, g[2]);
    }

    @Example
    void bceRejectsBadInputs() {
        var e = assertThrows(IllegalArgumentException.class, () -> Losses.bce(Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Losses.bce(Tensor.full(1.5f, 2), Tensor.zeros(2)));
    }

    @Property(tries = 50)
    void mseMatchesReferenceWithBroadcasting(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 3, 4);
        Sample a = g.sample(shape), b = g.sample(g.broadcastableTo(shape));
        if (g.nextBoolean()) { Sample x = a; a = b; b = x; }
        Naive.Ref sq = Naive.zip(a.v(), a.shape(), b.v(), b.shape(), (x, y) -> (x - y) * (x - y));
        double mean = 0;
        for (double v : sq.v()) mean += v;
        mean /= sq.v().length;
        Naive.assertClose(Losses.mse(a.t(), b.t()), new double[] {mean}, new int[0], 1e-6, 1e-6, "mse " + a + " " + b);
    }

    @Property(tries = 30)
    void mseGradientsReachBothSides(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 3, 4);
        Tensor a = g.leaf(shape).t().requiresGrad(true), b = g.leaf(g.broadcastableTo(shape)).t().requiresGrad(true);
        GradCheck.of(in -> Losses.mse(in[0], in[1])).check(a, b);
    }

    @Example
    void mseOfEqualTensorsIsZeroWithZeroGradient() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor loss = Losses.mse(a, Tensor.of(new float[] {1, 2, 3}, 3));
        assertEquals(0f, loss.item());
        loss.backward();
        assertArrayEquals(new float[] {0, 0, 0}, a.grad().toFloatArray());
    }
}
