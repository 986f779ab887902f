package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/** softmax / logSoftmax along any dim: forward vs double reference, backward vs finite differences, masked rows. */
class SoftmaxPropertiesTest {

    private static Tensor apply(boolean log, Tensor t, int dim) {
        return log ? Softmax.logSoftmax(t, dim) : Softmax.softmax(t, dim);
    }

    @Property(tries = 100)
    void forwardAlongAnyDim(@ForAll long seed, @ForAll boolean log) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 4, 5);
        int d = g.nextInt(shape.length);
        Sample x = g.sample(g.uniformDist(-6, 6), shape);
        int dimArg = g.nextBoolean() ? d : d - shape.length;
        Naive.assertClose(apply(log, x.t(), dimArg), Naive.softmax(x.v(), shape, d, log), 1e-6, 1e-6,
                (log ? "logSoftmax" : "softmax") + " dim " + dimArg + " of " + x);
    }

    @Property(tries = 60)
    void backwardAlongAnyDim(@ForAll long seed, @ForAll boolean log) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 4, 3);
        int d = g.nextInt(shape.length);
        GradCheck.of(in -> apply(log, in[0], d)).check(g.leaf(shape));
    }

    /** Rows with some -inf entries (attention masks): those get probability 0 (log: -inf) and no gradient. */
    @Property(tries = 60)
    void partiallyMaskedRows(@ForAll long seed, @ForAll boolean log) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 3, 4);
        int d = g.nextInt(shape.length);
        if (shape[d] < 2) shape[d] = 2;
        // -inf anywhere except index 0 along d, so every row keeps a finite entry
        double[] v = new double[(int) Naive.numel(shape)];
        for (int i = 0; i < v.length; i++)
            v[i] = Naive.unravel(i, shape)[d] > 0 && g.nextInt(3) == 0 ? Double.NEGATIVE_INFINITY : (float) g.uniform(-3, 3);
        Tensor x = TensorGen.tensor(v, shape);
        Naive.assertClose(apply(log, x, d), Naive.softmax(v, shape, d, log), 1e-6, 1e-6, "masked " + Arrays.toString(shape));
        if (!log) GradCheck.of(in -> Softmax.softmax(in[0], d)).check(x.requiresGrad(true));
    }

    /** A fully masked row has no finite score: softmax gives zeros there (not NaN), logSoftmax -inf, and no gradient flows. */
    @Example
    void fullyMaskedRowsGiveZeros() {
        float ninf = Float.NEGATIVE_INFINITY;
        Tensor x = Tensor.of(new float[] {ninf, ninf, ninf, 0, 1, ninf}, 2, 3).requiresGrad(true);
        Tensor s = Softmax.softmax(x, 1);
        float[] sv = s.toFloatArray();
        assertEquals("[0.0, 0.0, 0.0]", Arrays.toString(Arrays.copyOf(sv, 3)));
        assertEquals(1.0, sv[3] + sv[4] + sv[5], 1e-6);
        assertEquals(0.0, sv[5], 0);
        s.backward(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        float[] gx = x.grad().toFloatArray();
        assertEquals("[0.0, 0.0, 0.0]", Arrays.toString(Arrays.copyOf(gx, 3)));
        assertEquals(0.0, gx[5], 0);
        float[] lv = Softmax.logSoftmax(x.detach(), 1).toFloatArray();
        assertEquals("[-Infinity, -Infinity, -Infinity]", Arrays.toString(Arrays.copyOf(lv, 3)));
        assertEquals(-Math.log1p(Math.E), lv[3], 1e-6);
        // along dim 0 of the transpose: the same, through the strided path
        Tensor t = Softmax.softmax(x.detach().transpose(0, 1), 0);
        assertEquals("[0.0, 0.0, 0.0]", Arrays.toString(t.select(1, 0).toFloatArray()));
    }

    /** Long rows (attention over 4096 tokens): the normalising sum must not drift. */
    @Property(tries = 10)
    void longRowsStayAccurate(@ForAll long seed, @ForAll boolean log) {
        TensorGen g = new TensorGen(seed);
        int n = 1000 + g.nextInt(4000);
        Sample x = g.sample(g.uniformDist(-4, 4), TensorGen.Layout.CONTIGUOUS, 2, n);
        Naive.assertClose(apply(log, x.t(), 1), Naive.softmax(x.v(), x.shape(), 1, log), 1e-9, 1e-6, "row of " + n);
    }

    @Example
    void largeScoresDoNotOverflow() {
        Tensor x = Tensor.of(new float[] {1000, 1001, 1002, -1000, -1001, -1002}, 2, 3);
        Naive.assertClose(Softmax.softmax(x, -1), Naive.softmax(Naive.values(x), x.shape(), 1, false), 1e-7, 1e-6);
        Naive.assertClose(Softmax.logSoftmax(x, -1), Naive.softmax(Naive.values(x), x.shape(), 1, true), 1e-6, 1e-6);
        Naive.assertClose(x.softmax(0), Naive.softmax(Naive.values(x), x.shape(), 0, false), 1e-7, 1e-6);
    }

    @Example
    void softmaxOfAScalarAndOfSizeOneDims() {
        Tensor x = Tensor.of(new float[] {3, -2}, 2, 1);
        assertEquals("[1.0, 1.0]", Arrays.toString(Softmax.softmax(x, 1).toFloatArray()));
        assertEquals("[0.0, 0.0]", Arrays.toString(Softmax.logSoftmax(x, 1).toFloatArray()));
    }
}
