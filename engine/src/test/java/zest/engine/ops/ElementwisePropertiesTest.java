package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleSupplier;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/** Broadcasting binary ops, scalar ops and pointwise functions: forward vs double references, backward vs finite differences. */
class ElementwisePropertiesTest {

    enum Bin {
        ADD(Elementwise::add, Double::sum),
        SUB(Elementwise::sub, (x, y) -> x - y),
        MUL(Elementwise::mul, (x, y) -> x * y),
        DIV(Elementwise::div, (x, y) -> x / y),
        MAXIMUM(Elementwise::maximum, Math::max),
        MINIMUM(Elementwise::minimum, Math::min);

        final BinaryOperator<Tensor> op;
        final DoubleBinaryOperator ref;

        Bin(BinaryOperator<Tensor> op, DoubleBinaryOperator ref) { this.op = op; this.ref = ref; }
    }

    enum Fn {
        EXP(Elementwise::exp, Math::exp, -3, 3),
        LOG(Elementwise::log, Math::log, 0.2, 3),
        SQRT(Elementwise::sqrt, Math::sqrt, 0.2, 3),
        RSQRT(Elementwise::rsqrt, x -> 1 / Math.sqrt(x), 0.2, 3),
        ABS(Elementwise::abs, Math::abs, 0.05, 3),
        SIGMOID(Elementwise::sigmoid, x -> 1 / (1 + Math.exp(-x)), -4, 4),
        TANH(Elementwise::tanh, Math::tanh, -3, 3),
        SILU(Elementwise::silu, x -> x / (1 + Math.exp(-x)), -4, 4),
        GELU(Elementwise::gelu, x -> 0.5 * x * (1 + Naive.erf(x / Math.sqrt(2))), -4, 4),
        GELU_TANH(Elementwise::geluTanh, x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), -4, 4),
        QUICK_GELU(Elementwise::quickGelu, x -> x / (1 + Math.exp(-1.702 * x)), -4, 4),
        NEG(Tensor::neg, x -> -x, -3, 3),
        ADD_SCALAR(t -> Elementwise.addScalar(t, 0.75f), x -> x + 0.75, -3, 3),
        SUB_SCALAR(t -> t.sub(1.5f), x -> x - 1.5, -3, 3),
        MUL_SCALAR(t -> Elementwise.mulScalar(t, -2.5f), x -> x * -2.5, -3, 3),
        DIV_SCALAR(t -> t.div(4f), x -> x / 4, -3, 3),
        RDIV_SCALAR(t -> Elementwise.rdivScalar(3f, t), x -> 3 / x, 0.3, 3);

        final UnaryOperator<Tensor> op;
        final DoubleUnaryOperator ref;
        final double lo, hi;

        Fn(UnaryOperator<Tensor> op, DoubleUnaryOperator ref, double lo, double hi) {
            this.op = op; this.ref = ref; this.lo = lo; this.hi = hi;
        }

        /** Inputs inside the domain; for ABS and RDIV away from 0 with both signs. */
        DoubleSupplier dist(TensorGen g) {
            return this == ABS || this == RDIV_SCALAR ? g.awayFromZero(lo, hi) : g.uniformDist(lo, hi);
        }
    }

    // ---------------------------------------------------------------- binary

    @Property(tries = 150)
    void binaryForwardBroadcastsOverAnyLayout(@ForAll Bin op, @ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] out = g.shape(0, 4, 4);
        Sample a = g.sample(g.broadcastableTo(out)), b = g.sample(divisorDist(op, g), g.broadcastableTo(out));
        if (g.nextBoolean()) { Sample t = a; a = b; b = t; }
        if (op == Bin.DIV) b = g.sample(g.awayFromZero(0.25, 2), b.shape());
        Naive.assertClose(op.op.apply(a.t(), b.t()), Naive.zip(a.v(), a.shape(), b.v(), b.shape(), op.ref), 0, 1e-7,
                op + " " + a + " " + b);
    }

    @Example
    void binaryBroadcastExampleFromTheDocs() {
        TensorGen g = new TensorGen(7);
        Sample a = g.sample(3, 1, 5), b = g.sample(4, 1);
        Tensor r = Elementwise.add(a.t(), b.t());
        Naive.assertClose(r, Naive.zip(a.v(), a.shape(), b.v(), b.shape(), Double::sum), 0, 1e-7);
        assertEquals("[3, 4, 5]", java.util.Arrays.toString(r.shape()));
    }

    @Property(tries = 60)
    void binaryBackwardMatchesFiniteDifferences(@ForAll Bin op, @ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] out = g.shape(0, 3, 3);
        int[] sa = g.broadcastableTo(out), sb = g.broadcastableTo(out);
        // max/min: values on two offset grids never tie or come within the FD step of each other
        DoubleSupplier da = op == Bin.MAXIMUM || op == Bin.MINIMUM ? g.grid(0.5, 0, 4) : g.uniformDist(-2, 2);
        DoubleSupplier db = op == Bin.MAXIMUM || op == Bin.MINIMUM ? g.grid(0.5, 0.25, 4)
                : op == Bin.DIV ? g.awayFromZero(0.5, 2) : g.uniformDist(-2, 2);
        Sample a = g.leaf(da, sa), b = g.leaf(db, sb);
        GradCheck.of(in -> op.op.apply(in[0], in[1])).check(a, b);
    }

    @Property(tries = 30)
    void binaryBackwardWithOneConstantOperand(@ForAll Bin op, @ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] out = g.shape(1, 3, 3);
        Sample a = g.leaf(g.grid(0.5, 0, 4), g.broadcastableTo(out)), b = g.sample(g.grid(0.5, 0.25, 4), g.broadcastableTo(out));
        boolean first = g.nextBoolean();
        Tensor ta = first ? a.t().detach().requiresGrad(true) : a.t(), tb = first ? b.t() : b.t().detach().requiresGrad(true);
        if (!first && op == Bin.DIV) tb = g.leaf(g.awayFromZero(0.5, 2), b.shape()).t().detach().requiresGrad(true);
        GradCheck.of(in -> op.op.apply(in[0], in[1])).check(ta, tb);
    }

    private static DoubleSupplier divisorDist(Bin op, TensorGen g) {
        return op == Bin.DIV ? g.awayFromZero(0.25, 2) : g.uniformDist(-2, 2);
    }

    /** torch.maximum / torch.minimum split the gradient evenly where the operands tie. */
    @Example
    void maximumAndMinimumSplitTheGradientAtTies() {
        for (boolean max : new boolean[] {true, false}) {
            Tensor a = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
            Tensor b = Tensor.of(new float[] {2, 2, 2}, 3).requiresGrad(true);
            (max ? Elementwise.maximum(a, b) : Elementwise.minimum(a, b)).sum().backward();
            float[] ga = a.grad().toFloatArray(), gb = b.grad().toFloatArray();
            assertEquals(max ? "[0.0, 0.5, 1.0]" : "[1.0, 0.5, 0.0]", java.util.Arrays.toString(ga));
            assertEquals(max ? "[1.0, 0.5, 0.0]" : "[0.0, 0.5, 1.0]", java.util.Arrays.toString(gb));
        }
    }

    @Property(tries = 40)
    void greaterIsAConstantMask(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] out = g.shape(0, 3, 4);
        Sample a = g.sample(g.grid(1, 0, 2), g.broadcastableTo(out)), b = g.sample(g.grid(1, 0, 2), g.broadcastableTo(out));
        Tensor ta = a.t().detach().requiresGrad(true);
        Tensor r = Elementwise.greater(ta, b.t());
        Naive.assertClose(r, Naive.zip(a.v(), a.shape(), b.v(), b.shape(), (x, y) -> x > y ? 1 : 0), 0, 0, "greater");
        assertFalse(r.requiresGrad());
    }

    @Example
    void binaryOpsOnEmptyTensors() {
        Tensor a = Tensor.zeros(2, 0), b = Tensor.zeros(1, 0);
        assertEquals("[2, 0]", java.util.Arrays.toString(Elementwise.add(a, b).shape()));
        assertEquals("[2, 0]", java.util.Arrays.toString(Elementwise.mul(a.transpose(0, 1).transpose(0, 1), Tensor.scalar(2)).shape()));
        assertEquals("[3, 0]", java.util.Arrays.toString(Elementwise.add(Tensor.zeros(3, 1), Tensor.zeros(0)).shape()));
    }

    @Example
    void broadcastErrorNamesTheShapes() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Elementwise.add(Tensor.zeros(3, 4), Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5]"), e.getMessage());
    }

    // ---------------------------------------------------------------- unary

    @Property(tries = 200)
    void unaryForwardMatchesDoubleReference(@ForAll Fn fn, @ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Sample x = g.sample(fn.dist(g), g.shape(0, 4, 4));
        double rtol = switch (fn) {
            case GELU -> 1e-6; // erf approximation, checked on its own in MathFunctionsTest
            case SILU, QUICK_GELU, RDIV_SCALAR, DIV_SCALAR -> 3e-7;
            default -> 1.2e-7;
        };
        Naive.assertClose(fn.op.apply(x.t()), Naive.map(x.v(), x.shape(), fn.ref), 1e-7, rtol, fn + " " + x);
    }

    @Property(tries = 120)
    void unaryBackwardMatchesFiniteDifferences(@ForAll Fn fn, @ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Sample x = g.leaf(fn.dist(g), g.shape(0, 3, 4));
        GradCheck.of(in -> fn.op.apply(in[0])).check(x);
    }

    @Property(tries = 60)
    void powForwardAndBackward(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        float[] exps = {2, 3, 0.5f, -1, 1.5f, -0.5f, 0, 1, 2.5f};
        float p = exps[g.nextInt(exps.length)];
        boolean integer = p == Math.rint(p) && p >= 0;
        int[] shape = g.shape(0, 3, 4);
        Sample x = g.sample(integer ? g.uniformDist(-2, 2) : g.uniformDist(0.3, 2.5), shape);
        Naive.assertClose(Elementwise.pow(x.t(), p), Naive.map(x.v(), x.shape(), v -> Math.pow(v, p)), 1e-7, 3e-7, "pow " + p);
        Sample leaf = g.leaf(integer ? g.uniformDist(-2, 2) : g.uniformDist(0.3, 2.5), shape);
        GradCheck.of(in -> Elementwise.pow(in[0], p)).check(leaf);
    }

    @Example
    void powZeroHasZeroGradientEvenAtZero() {
        Tensor x = Tensor.of(new float[] {0, 2, -3}, 3).requiresGrad(true);
        Elementwise.pow(x, 0).sum().backward();
        assertEquals("[0.0, 0.0, 0.0]", java.util.Arrays.toString(x.grad().toFloatArray()));
    }

    @Example
    void absGradientAtZeroIsZero() {
        Tensor x = Tensor.of(new float[] {0, 2, -3}, 3).requiresGrad(true);
        x.abs().sum().backward();
        assertEquals("[0.0, 1.0, -1.0]", java.util.Arrays.toString(x.grad().toFloatArray()));
    }

    @Example
    void saturatingFunctionsStayFiniteAtExtremes() {
        Tensor x = Tensor.of(new float[] {-1000, -100, 100, 1000}, 4);
        for (Fn fn : new Fn[] {Fn.SIGMOID, Fn.TANH, Fn.SILU, Fn.GELU, Fn.GELU_TANH, Fn.QUICK_GELU}) {
            float[] y = fn.op.apply(x).toFloatArray();
            for (int i = 0; i < y.length; i++) {
                double e = fn.ref.applyAsDouble(x.get(i));
                if (fn == Fn.GELU) e = x.get(i) < 0 ? 0 : x.get(i);
                assertTrue(Naive.close(y[i], e, 1e-30, 1e-6), fn + "(" + x.get(i) + ") = " + y[i] + ", expected " + e);
            }
            Tensor leaf = x.detach().requiresGrad(true);
            fn.op.apply(leaf).sum().backward();
            for (float gv : leaf.grad().toFloatArray()) assertFalse(Float.isNaN(gv) || Float.isInfinite(gv), fn + " gradient " + gv);
        }
        assertEquals(Float.POSITIVE_INFINITY, Tensor.scalar(1000).exp().item());
        assertEquals(0f, Tensor.scalar(-1000).exp().item());
    }

    // ---------------------------------------------------------------- clamp

    @Property(tries = 60)
    void clampForwardAndBackwardAwayFromTheBounds(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        float lo = (float) g.grid(0.5, 0.25, 2).getAsDouble(), hi = lo + 0.5f * (1 + g.nextInt(3));
        int[] shape = g.shape(0, 3, 4);
        Sample x = g.sample(g.grid(0.5, 0, 5), shape);
        Naive.assertClose(Elementwise.clamp(x.t(), lo, hi), Naive.map(x.v(), shape, v -> Math.min(Math.max(v, lo), hi)), 0, 0, "clamp");
        GradCheck.of(in -> Elementwise.clamp(in[0], lo, hi)).check(g.leaf(g.grid(0.5, 0, 5), shape));
    }

    /** PyTorch: the gradient passes where min ≤ x ≤ max, bounds included. */
    @Example
    void clampGradientFollowsPyTorchAtTheBounds() {
        Tensor x = Tensor.of(new float[] {-2, -1, 0, 1, 2, Float.NaN}, 6).requiresGrad(true);
        Tensor y = Elementwise.clamp(x, -1, 1);
        assertEquals("[-1.0, -1.0, 0.0, 1.0, 1.0, NaN]", java.util.Arrays.toString(y.toFloatArray()));
        y.sum().backward();
        assertEquals("[0.0, 1.0, 1.0, 1.0, 0.0, 0.0]", java.util.Arrays.toString(x.grad().toFloatArray()));
    }

    // ---------------------------------------------------------------- where / maskedFill

    @Property(tries = 80)
    void whereForwardAndBackwardBroadcastAllThree(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] out = g.shape(0, 3, 3);
        int[] sc = g.broadcastableTo(out), sa = g.broadcastableTo(out), sb = g.broadcastableTo(out);
        DoubleSupplier condDist = () -> g.nextInt(3) == 0 ? 0 : g.nextBoolean() ? 1 : -2;
        Sample c = g.sample(condDist, sc);
        Tensor cond = g.nextBoolean() ? c.t() : Tensor.ofLongs(toLongs(c.v()), sc);
        Sample a = g.sample(sa), b = g.sample(sb);
        int[] shape = Naive.broadcastShape(Naive.broadcastShape(sc, sa), sb);
        double[] e = new double[(int) Naive.numel(shape)];
        for (int i = 0; i < e.length; i++) {
            int[] idx = Naive.unravel(i, shape);
            e[i] = Naive.broadcastAt(c.v(), sc, idx) != 0 ? Naive.broadcastAt(a.v(), sa, idx) : Naive.broadcastAt(b.v(), sb, idx);
        }
        Naive.assertClose(Elementwise.where(cond, a.t(), b.t()), e, shape, 0, 0, "where");
        GradCheck.of(in -> Elementwise.where(in[0], in[1], in[2])).check(cond, g.leaf(sa).t().requiresGrad(true), g.leaf(sb).t().requiresGrad(true));
    }

    @Property(tries = 50)
    void maskedFillForwardAndBackward(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(0, 3, 4);
        int[] sm = g.broadcastableTo(shape);
        Sample mask = g.sample(() -> g.nextBoolean() ? 1 : 0, sm);
        Sample a = g.sample(shape);
        float value = g.nextBoolean() ? Float.NEGATIVE_INFINITY : -7.5f;
        double[] e = new double[a.numel()];
        for (int i = 0; i < e.length; i++)
            e[i] = Naive.broadcastAt(mask.v(), sm, Naive.unravel(i, shape)) != 0 ? value : a.v()[i];
        Naive.assertClose(Elementwise.maskedFill(a.t(), mask.t(), value), e, shape, 0, 0, "maskedFill");
        GradCheck.of(in -> Elementwise.maskedFill(in[0], in[1], -7.5f)).check(g.leaf(shape).t().requiresGrad(true), mask.t());
    }

    @Example
    void whereDoesNotLeakInfinitiesOrNaNsFromTheUnselectedSide() {
        Tensor cond = Tensor.of(new float[] {1, 0}, 2);
        Tensor a = Tensor.of(new float[] {1, Float.POSITIVE_INFINITY}, 2).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {Float.NaN, 3}, 2).requiresGrad(true);
        Tensor y = Elementwise.where(cond, a, b);
        assertEquals("[1.0, 3.0]", java.util.Arrays.toString(y.toFloatArray()));
        y.sum().backward();
        assertEquals("[1.0, 0.0]", java.util.Arrays.toString(a.grad().toFloatArray()));
        assertEquals("[0.0, 1.0]", java.util.Arrays.toString(b.grad().toFloatArray()));
    }

    private static long[] toLongs(double[] v) {
        long[] l = new long[v.length];
        for (int i = 0; i < v.length; i++) l[i] = (long) v[i];
        return l;
    }
}
