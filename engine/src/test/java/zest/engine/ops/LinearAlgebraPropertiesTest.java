package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.DType;
import zest.engine.Storage;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/** matmul (1-D operands, batch broadcasting, transposed views read in place) and linear. */
class LinearAlgebraPropertiesTest {

    /** Operand shapes for torch.matmul: 1-D·1-D, 1-D·N-D, N-D·1-D, or N-D·N-D with broadcast batch dims. */
    private static int[][] matmulShapes(TensorGen g, int maxSize) {
        int m = 1 + g.nextInt(maxSize), k = 1 + g.nextInt(maxSize), n = 1 + g.nextInt(maxSize);
        int[] batch = g.shape(0, 2, 3);
        int[] ba = g.broadcastableTo(batch), bb = g.broadcastableTo(batch);
        int[] a = Naive.concat(ba, m, k), b = Naive.concat(bb, k, n);
        return switch (g.nextInt(6)) {
            case 0 -> new int[][] {{k}, {k}};
            case 1 -> new int[][] {{k}, b};
            case 2 -> new int[][] {a, {k}};
            default -> new int[][] {a, b};
        };
    }

    /** A sample of the given shape; sometimes made as the transpose of a [.., cols, rows] tensor (the in-place path). */
    private static Tensor operand(TensorGen g, int[] shape, boolean leaf) {
        if (shape.length >= 2 && g.nextBoolean()) {
            int[] swapped = shape.clone();
            swapped[shape.length - 1] = shape[shape.length - 2];
            swapped[shape.length - 2] = shape[shape.length - 1];
            Sample s = leaf ? g.leaf(swapped) : g.sample(swapped);
            return s.t().transpose(-1, -2);
        }
        return (leaf ? g.leaf(shape) : g.sample(shape)).t();
    }

    @Property(tries = 150)
    void matmulForward(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[][] s = matmulShapes(g, 5);
        Tensor a = operand(g, s[0], false), b = operand(g, s[1], false);
        Naive.assertClose(LinearAlgebra.matmul(a, b), Naive.matmul(Naive.values(a), s[0], Naive.values(b), s[1]), 1e-5, 1e-5,
                "matmul " + Arrays.toString(s[0]) + " " + Arrays.toString(s[1]));
    }

    @Property(tries = 60)
    void matmulBackward(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[][] s = matmulShapes(g, 3);
        Tensor a = operand(g, s[0], true).requiresGrad(true), b = operand(g, s[1], true);
        if (g.nextInt(4) != 0) b.requiresGrad(true);
        GradCheck.of(in -> LinearAlgebra.matmul(in[0], in[1])).check(a, b);
    }

    /** The transposed-operand path for every combination, on larger matrices than the properties use. */
    @Example
    void transposedOperandsAreReadInPlaceCorrectly() {
        TensorGen g = new TensorGen(3);
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true}) {
                Sample a = ta ? g.sample(g.uniformDist(-1, 1), TensorGen.Layout.CONTIGUOUS, 2, 9, 7)
                        : g.sample(g.uniformDist(-1, 1), TensorGen.Layout.CONTIGUOUS, 2, 7, 9);
                Sample b = tb ? g.sample(g.uniformDist(-1, 1), TensorGen.Layout.CONTIGUOUS, 11, 9)
                        : g.sample(g.uniformDist(-1, 1), TensorGen.Layout.CONTIGUOUS, 9, 11);
                Tensor at = ta ? a.t().transpose(1, 2) : a.t(), bt = tb ? b.t().transpose(0, 1) : b.t();
                Naive.assertClose(LinearAlgebra.matmul(at, bt), Naive.matmul(Naive.values(at), at.shape(), Naive.values(bt), bt.shape()),
                        1e-5, 1e-5, "ta=" + ta + " tb=" + tb);
                // a row/column slice of a transposed matrix (a stride that is not the row length)
                Tensor sub = at.narrow(2, 1, 5);
                Tensor bs = bt.narrow(0, 2, 5);
                Naive.assertClose(LinearAlgebra.matmul(sub, bs), Naive.matmul(Naive.values(sub), sub.shape(), Naive.values(bs), bs.shape()),
                        1e-5, 1e-5, "narrowed ta=" + ta + " tb=" + tb);
            }
    }

    /** Weights memory-mapped as F32 stay in a segment; matmul must read them (no cast to a heap array). */
    @Example
    void matmulReadsSegmentOperands() {
        float[] w = {1, 2, 3, 4, 5, 6};
        Tensor seg = Tensor.ofSegment(TensorGen.segment(w, DType.F32), DType.F32, 2, 3);
        assertTrue(seg.storage() instanceof Storage.Segment);
        Tensor x = Tensor.of(new float[] {1, 0, -1, 2}, 2, 2);
        assertEquals("[1.0, 2.0, 3.0, 7.0, 8.0, 9.0]", Arrays.toString(LinearAlgebra.matmul(x, seg).toFloatArray()));
        assertEquals("[1.0, 7.0, 2.0, 8.0, 3.0, 9.0]", Arrays.toString(LinearAlgebra.matmul(seg.transpose(0, 1), x.transpose(0, 1)).toFloatArray()));
        Tensor h = Tensor.ofSegment(TensorGen.segment(w, DType.F16), DType.F16, 3, 2);
        assertEquals("[9.0, 12.0, 15.0, 19.0, 26.0, 33.0, 29.0, 40.0, 51.0]", Arrays.toString(LinearAlgebra.matmul(h, seg).toFloatArray()));
    }

    @Example
    void matmulShapeErrorsNameTheShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.matmul(Tensor.zeros(2, 3), Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.matmul(Tensor.zeros(2, 2, 3), Tensor.zeros(3, 3, 5)));
        assertTrue(e2.getMessage().contains("[2]") && e2.getMessage().contains("[3]"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.matmul(Tensor.scalar(1), Tensor.zeros(3)));
    }

    @Example
    void matmulWithEmptyDims() {
        assertEquals("[2, 0]", Arrays.toString(LinearAlgebra.matmul(Tensor.zeros(2, 3), Tensor.zeros(3, 0)).shape()));
        Tensor z = LinearAlgebra.matmul(Tensor.ones(2, 0), Tensor.ones(0, 4));
        assertEquals("[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]", Arrays.toString(z.toFloatArray()));
    }

    // ---------------------------------------------------------------- linear

    private static double[] linearRef(double[] x, int[] xs, double[] w, int out, int in, double[] bias) {
        int rows = x.length / in;
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) s += x[r * in + i] * w[o * in + i];
                y[r * out + o] = s;
            }
        return y;
    }

    @Property(tries = 100)
    void linearForward(@ForAll long seed, @ForAll boolean withBias) {
        TensorGen g = new TensorGen(seed);
        int in = 1 + g.nextInt(6), out = 1 + g.nextInt(6);
        int[] lead = g.shape(0, 2, 4);
        int[] xs = Arrays.copyOf(lead, lead.length + 1);
        xs[lead.length] = in;
        Sample x = g.sample(xs), w = g.sample(out, in), b = g.sample(out);
        int[] ys = xs.clone();
        ys[ys.length - 1] = out;
        Naive.assertClose(LinearAlgebra.linear(x.t(), w.t(), withBias ? b.t() : null),
                linearRef(x.v(), xs, w.v(), out, in, withBias ? b.v() : null), ys, 1e-5, 1e-5, "linear x" + x + " w" + w);
    }

    @Property(tries = 60)
    void linearBackward(@ForAll long seed, @ForAll boolean withBias) {
        TensorGen g = new TensorGen(seed);
        int in = 1 + g.nextInt(4), out = 1 + g.nextInt(4);
        int[] lead = g.shape(0, 2, 3);
        int[] xs = Arrays.copyOf(lead, lead.length + 1);
        xs[lead.length] = in;
        Tensor x = g.leaf(xs).t(), w = g.leaf(out, in).t(), b = g.leaf(out).t();
        // each input sometimes a constant
        if (g.nextInt(4) != 0) x.requiresGrad(true);
        if (g.nextInt(4) != 0) w.requiresGrad(true);
        if (g.nextInt(4) != 0) b.requiresGrad(true);
        if (!x.requiresGrad() && !w.requiresGrad()) x.requiresGrad(true);
        if (withBias) GradCheck.of(in2 -> LinearAlgebra.linear(in2[0], in2[1], in2[2])).check(x, w, b);
        else GradCheck.of(in2 -> LinearAlgebra.linear(in2[0], in2[1], null)).check(x, w);
    }

    @Example
    void linearErrorsNameTheShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.linear(Tensor.zeros(2, 3), Tensor.zeros(4, 5), null));
        assertTrue(e.getMessage().contains("[4, 5]") && e.getMessage().contains("3"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> LinearAlgebra.linear(Tensor.zeros(2, 5), Tensor.zeros(4, 5), Tensor.zeros(3)));
        assertTrue(e2.getMessage().contains("bias"), e2.getMessage());
    }
}
