package zest.engine.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.DType;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.ops.LinearAlgebra;
import zest.engine.ops.Reductions;
import zest.engine.testing.GradCheck;
import zest.engine.testing.TensorGen;

/** Properties of the graph itself: accumulation, reuse, release, grad modes, detach, errors, depth. */
class AutogradGraphTest {

    private static Tensor vec(float... v) { return Tensor.of(v, v.length); }

    private static void assertValues(String expected, Tensor t) {
        assertEquals(expected, Arrays.toString(t.toFloatArray()));
    }

    @Example
    void aTensorUsedTwiceAccumulates() {
        Tensor x = vec(1, -2, 3).requiresGrad(true);
        x.mul(x).sum().backward();
        assertValues("[2.0, -4.0, 6.0]", x.grad());
        Tensor y = vec(1, -2, 3).requiresGrad(true);
        y.add(y).sum().backward();
        assertValues("[2.0, 2.0, 2.0]", y.grad());
        Tensor z = vec(1, 2).requiresGrad(true);
        LinearAlgebra.matmul(z, z).backward(); // z·z
        assertValues("[2.0, 4.0]", z.grad());
    }

    /** x → a, b → c = a·b + a: the gradient through both branches of the diamond adds up. */
    @Example
    void diamondGraphs() {
        Tensor x = vec(0.5f, -1f, 2f).requiresGrad(true);
        Tensor a = x.exp(), b = x.mul(3f);
        a.mul(b).add(a).sum().backward();
        // d/dx (e^x · 3x + e^x) = e^x (3x + 3 + 1)
        float[] xv = {0.5f, -1f, 2f};
        float[] gv = x.grad().toFloatArray();
        for (int i = 0; i < 3; i++) assertEquals(Math.exp(xv[i]) * (3 * xv[i] + 4), gv[i], 1e-5 * Math.exp(xv[i]) * 10);
        GradCheck.of(in -> { Tensor e = in[0].exp(); return e.mul(in[0].mul(3f)).add(e); }).check(vec(0.5f, -1f, 2f).requiresGrad(true));
    }

    /** A random DAG: each node combines two earlier nodes; the checker compares it with finite differences. */
    @Property(tries = 40)
    void randomDagsMatchFiniteDifferences(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int nodes = 2 + g.nextInt(8);
        int[] pick = new int[2 * nodes], kind = new int[nodes];
        for (int i = 0; i < nodes; i++) {
            pick[2 * i] = g.nextInt(i + 2);
            pick[2 * i + 1] = g.nextInt(i + 2);
            kind[i] = g.nextInt(5);
        }
        GradCheck.of(in -> {
            Tensor[] vals = new Tensor[nodes + 2];
            vals[0] = in[0];
            vals[1] = in[1];
            for (int i = 0; i < nodes; i++) {
                Tensor p = vals[pick[2 * i]], q = vals[pick[2 * i + 1]];
                vals[i + 2] = switch (kind[i]) {
                    case 0 -> p.add(q);
                    case 1 -> p.mul(q).tanh();
                    case 2 -> p.sub(q.sigmoid());
                    case 3 -> p.mul(0.5f).add(q.transpose(0, 1).transpose(0, 1));
                    default -> p.mul(q.mul(0.25f).exp()).silu();
                };
            }
            return vals[nodes + 1];
        }).check(g.leaf(2, 3).t().requiresGrad(true), g.leaf(2, 3).t().requiresGrad(true));
    }

    @Example
    void backwardTwiceAccumulatesIntoGrad() {
        Tensor x = vec(1, 2).requiresGrad(true);
        x.mul(3f).sum().backward();
        x.mul(3f).sum().backward();
        assertValues("[6.0, 6.0]", x.grad());
        Tensor y = x.mul(x).sum();
        y.backward(Tensor.scalar(1f), true);
        y.backward(Tensor.scalar(1f), true);
        assertValues("[10.0, 14.0]", x.grad());
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Example
    void graphIsReleasedAfterBackwardUnlessRetained() {
        Tensor x = vec(1, 2).requiresGrad(true);
        Tensor h = x.exp();
        Tensor y = h.mul(2f).sum();
        assertNotNull(h.gradNode());
        y.backward();
        assertNull(h.gradNode());
        assertNull(y.gradNode());
        assertNull(x.gradNode());
        assertTrue(h.graphReleased());
        Tensor h2 = x.exp();
        Tensor y2 = h2.sum();
        y2.backward(Tensor.scalar(1f), true);
        assertNotNull(h2.gradNode());
        assertNotNull(y2.gradNode());
    }

    /** Going through a released graph again must fail loudly, not treat the intermediate as a leaf. */
    @Example
    void backwardThroughAReleasedGraphIsAClearError() {
        Tensor x = vec(1, 2).requiresGrad(true);
        Tensor h = x.exp();
        h.mul(2f).sum().backward();
        var e = assertThrows(IllegalStateException.class, () -> h.mul(3f).sum().backward());
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
        assertNull(h.grad());
        Tensor y = x.sum();
        y.backward();
        assertThrows(IllegalStateException.class, y::backward);
        // with retainGraph the second pass works
        Tensor x2 = vec(1, 2).requiresGrad(true);
        Tensor h2 = x2.exp();
        h2.sum().backward(Tensor.scalar(1f), true);
        h2.sum().backward();
        assertEquals(2 * Math.E, x2.grad().toFloatArray()[0], 1e-5);
    }

    @Example
    void noGradScopeRecordsNothing() {
        Tensor x = vec(1, 2).requiresGrad(true);
        Tensor y;
        try (var ignored = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            y = x.mul(2f).exp().sum();
            Tensor v = x.reshape(2, 1).transpose(0, 1).expand(3, 2);
            assertFalse(v.requiresGrad());
            assertNull(v.gradNode());
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(y.requiresGrad());
        assertNull(y.gradNode());
        assertThrows(IllegalStateException.class, y::backward);
    }

    @Example
    void enableGradInsideNoGradRecordsAndScopesRestore() {
        Tensor x = vec(1, 2).requiresGrad(true);
        try (var outer = GradMode.noGrad()) {
            try (var inner = GradMode.enableGrad()) {
                assertTrue(GradMode.isEnabled());
                Tensor y = x.mul(x).sum();
                assertTrue(y.requiresGrad());
                y.backward();
            }
            assertFalse(GradMode.isEnabled());
            try (var again = GradMode.noGrad()) {
                assertFalse(GradMode.isEnabled());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertValues("[2.0, 4.0]", x.grad());
    }

    @Example
    void gradModeIsPerThread() throws Exception {
        AtomicReference<Boolean> other = new AtomicReference<>();
        try (var ignored = GradMode.noGrad()) {
            Thread t = new Thread(() -> other.set(GradMode.isEnabled()));
            t.start();
            t.join();
        }
        assertTrue(other.get());
    }

    @Example
    void detachStopsGradients() {
        Tensor x = vec(1, 2, 3).requiresGrad(true);
        Tensor d = x.detach();
        assertFalse(d.requiresGrad());
        assertNull(d.gradNode());
        assertTrue(d.storage() == x.storage());
        x.mul(x.detach()).sum().backward(); // d/dx (x · const) = const
        assertValues("[1.0, 2.0, 3.0]", x.grad());
        Tensor h = x.exp();
        Tensor hd = h.detach();
        assertNull(hd.gradNode());
        assertFalse(hd.requiresGrad());
    }

    @Example
    void gradOfIntermediatesOnlyWhenRetained() {
        Tensor x = vec(1, 2).requiresGrad(true);
        Tensor h = x.mul(2f), k = x.mul(3f).retainGrad();
        h.add(k).mul(h).sum().backward();
        assertNull(h.grad());
        assertNotNull(k.grad());
        assertValues("[2.0, 4.0]", k.grad()); // d/dk (h + k)·h = h
        assertTrue(k.retainsGrad());
    }

    @Example
    void nonContiguousLeavesGetGradientsOfTheirShape() {
        Tensor base = Tensor.arange(6).reshape(2, 3);
        Tensor leaf = base.transpose(0, 1).requiresGrad(true); // a view with no history: a leaf
        assertNull(leaf.gradNode());
        leaf.mul(leaf).sum().backward();
        assertArrayEquals(new int[] {3, 2}, leaf.grad().shape());
        assertValues("[0.0, 6.0, 2.0, 8.0, 4.0, 10.0]", leaf.grad());
    }

    @Example
    void backwardErrorsAreClear() {
        Tensor x = Tensor.ones(2, 3).requiresGrad(true);
        Tensor y = x.mul(2f);
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(3, 2)));
        assertTrue(e2.getMessage().contains("[3, 2]") && e2.getMessage().contains("[2, 3]"), e2.getMessage());
        var e3 = assertThrows(IllegalStateException.class, () -> Tensor.ofLongs(new long[] {1, 2}, 2).requiresGrad(true));
        assertTrue(e3.getMessage().contains("I64"), e3.getMessage());
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
        assertThrows(IllegalStateException.class, () -> Tensor.ones(2).backward());
        // a one-element non-scalar is fine
        Tensor z = Tensor.ones(1, 1).requiresGrad(true);
        z.mul(5f).backward();
        assertValues("[5.0]", z.grad());
    }

    @Example
    void integerTensorsTakePartAsConstants() {
        Tensor ids = Tensor.ofLongs(new long[] {1, 0, 2}, 3);
        assertEquals(DType.I64, ids.dtype());
        Tensor x = vec(1, 2, 3).requiresGrad(true);
        x.mul(ids).sum().backward();
        assertValues("[1.0, 0.0, 2.0]", x.grad());
    }

    /** 10,000 chained ops: the sort and the backward walk are iterative, even on a small stack. */
    @Example
    void deepChainsDoNotOverflowTheStack() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<float[]> grad = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                Tensor x = vec(1, 2).requiresGrad(true);
                Tensor y = x;
                for (int i = 0; i < 10_000; i++) y = i % 2 == 0 ? y.mul(1.0001f) : y.add(0.5f);
                y.sum().backward();
                grad.set(x.grad().toFloatArray());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "deep-chain", 256 * 1024);
        t.start();
        t.join();
        if (failure.get() != null) throw new AssertionError("deep chain failed", failure.get());
        assertEquals(Math.pow(1.0001, 5000), grad.get()[0], 2e-3);
    }

    /** Reductions and views in one graph, with gradient reaching the leaf through both. */
    @Example
    void mixedGraph() {
        GradCheck.of(in -> {
            Tensor m = Reductions.mean(in[0], new int[] {1}, true);
            return in[0].sub(m).div(Reductions.var(in[0], new int[] {1}, true, 0).add(1e-3f).sqrt()).mul(in[1]);
        }).check(new TensorGen(5).leaf(3, 4).t().requiresGrad(true), new TensorGen(6).leaf(4).t().requiresGrad(true));
    }
}
