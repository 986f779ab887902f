package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.DoubleSupplier;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/** sum / mean / var / max / min / argmax / sumToShape: forward vs double references, backward vs finite differences. */
class ReductionPropertiesTest {

    /** A non-empty random subset of the dims, each written as a positive or a negative index. */
    private static int[] someDims(TensorGen g, int rank, boolean[] mask) {
        List<Integer> dims = new ArrayList<>();
        for (int d = 0; d < rank; d++) if (g.nextBoolean()) dims.add(d);
        if (dims.isEmpty()) dims.add(g.nextInt(rank));
        Collections.shuffle(dims, g.random());
        int[] out = new int[dims.size()];
        for (int i = 0; i < out.length; i++) {
            int d = dims.get(i);
            mask[d] = true;
            out[i] = g.nextBoolean() ? d : d - rank;
        }
        return out;
    }

    @Property(tries = 80)
    void sumAndMeanOverDimsForward(@ForAll long seed, @ForAll boolean keepDim, @ForAll boolean mean) {
        TensorGen g = new TensorGen(seed);
        Sample x = g.sample(g.shape(1, 4, 4));
        boolean[] mask = new boolean[x.shape().length];
        int[] dims = someDims(g, x.shape().length, mask);
        Naive.Ref sum = Naive.reduce(x.v(), x.shape(), mask, keepDim, 0, Double::sum);
        Tensor actual = mean ? Reductions.mean(x.t(), dims, keepDim) : Reductions.sum(x.t(), dims, keepDim);
        if (mean) {
            long count = 1;
            for (int d = 0; d < mask.length; d++) if (mask[d]) count *= x.shape()[d];
            final long c = count;
            sum = Naive.map(sum.v(), sum.shape(), v -> v / c);
        }
        Naive.assertClose(actual, sum, 1e-6, 1e-6, (mean ? "mean" : "sum") + Arrays.toString(dims) + " keepDim=" + keepDim + " of " + x);
    }

    @Property(tries = 60)
    void sumAndMeanOverDimsBackward(@ForAll long seed, @ForAll boolean keepDim, @ForAll boolean mean) {
        TensorGen g = new TensorGen(seed);
        Sample x = g.leaf(g.shape(1, 4, 3));
        int[] dims = someDims(g, x.shape().length, new boolean[x.shape().length]);
        GradCheck.of(in -> mean ? Reductions.mean(in[0], dims, keepDim) : Reductions.sum(in[0], dims, keepDim)).check(x);
    }

    @Property(tries = 50)
    void globalSumAndMean(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Sample x = g.sample(g.shape(0, 4, 4));
        double s = Arrays.stream(x.v()).sum();
        Naive.assertClose(Reductions.sum(x.t()), new double[] {s}, new int[0], 1e-6, 1e-6, "sum");
        Naive.assertClose(x.t().mean(), new double[] {s / x.numel()}, new int[0], 1e-6, 1e-6, "mean");
        Sample leaf = g.leaf(g.shape(0, 3, 3));
        GradCheck.of(in -> in[0].sum()).check(leaf);
        GradCheck.of(in -> in[0].mean()).check(leaf);
    }

    @Property(tries = 60)
    void varianceForwardAndBackward(@ForAll long seed, @ForAll boolean keepDim, @ForAll boolean unbiased) {
        TensorGen g = new TensorGen(seed);
        Sample x = g.sample(g.shape(1, 4, 4));
        int rank = x.shape().length;
        boolean[] mask = new boolean[rank];
        int[] dims = someDims(g, rank, mask);
        int correction = unbiased ? 1 : 0;
        long count = 1;
        for (int d = 0; d < rank; d++) if (mask[d]) count *= x.shape()[d];
        final long n = count;
        Naive.Ref mean = Naive.reduce(x.v(), x.shape(), mask, true, 0, Double::sum);
        double[] sq = new double[x.numel()];
        for (int i = 0; i < sq.length; i++) {
            int[] idx = Naive.unravel(i, x.shape());
            double c = x.v()[i] - Naive.broadcastAt(mean.v(), mean.shape(), idx) / n;
            sq[i] = c * c;
        }
        Naive.Ref ss = Naive.reduce(sq, x.shape(), mask, keepDim, 0, Double::sum);
        Naive.Ref var = Naive.map(ss.v(), ss.shape(), v -> n - correction <= 0 ? Double.NaN : v / (n - correction));
        Naive.assertClose(Reductions.var(x.t(), dims, keepDim, correction), var, 1e-6, 1e-5, "var" + Arrays.toString(dims));
        if (n - correction > 0) {
            Sample leaf = g.leaf(x.shape());
            GradCheck.of(in -> Reductions.var(in[0], dims, keepDim, correction)).check(leaf);
        }
    }

    /** Distinct values at least 0.25 apart, so that no finite-difference step changes which one is largest. */
    private static DoubleSupplier distinct(TensorGen g, int n) {
        List<Integer> ks = new ArrayList<>();
        for (int i = 0; i < n; i++) ks.add(i - n / 2);
        Collections.shuffle(ks, g.random());
        int[] at = {0};
        return () -> ks.get(at[0]++ % n) * 0.25;
    }

    @Property(tries = 100)
    void maxAndMinAlongADim(@ForAll long seed, @ForAll boolean keepDim, @ForAll boolean max) {
        TensorGen g = new TensorGen(seed);
        int[] shape = g.shape(1, 4, 4);
        int rank = shape.length, d = g.nextInt(rank);
        int dimArg = g.nextBoolean() ? d : d - rank;
        // values with ties (a coarse grid): the value is unique anyway, the index must be the first
        Sample x = g.sample(g.grid(1, 0, 2), shape);
        boolean[] mask = new boolean[rank];
        mask[d] = true;
        Naive.Ref ref = Naive.reduce(x.v(), shape, mask, keepDim, max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY,
                max ? Math::max : Math::min);
        Tensor actual = max ? Reductions.max(x.t(), dimArg, keepDim) : Reductions.min(x.t(), dimArg, keepDim);
        Naive.assertClose(actual, ref, 0, 0, (max ? "max" : "min") + " dim " + dimArg + " of " + x);
        if (max) Naive.assertClose(Reductions.argmax(x.t(), dimArg, keepDim), Naive.argExtreme(x.v(), shape, d, keepDim, true), 0, 0,
                "argmax dim " + dimArg + " of " + x);
        // backward: distinct values
        int[] small = g.shape(1, 4, 3);
        int ds = g.nextInt(small.length);
        Sample leaf = g.leaf(distinct(g, (int) Naive.numel(small)), small);
        GradCheck.of(in -> max ? Reductions.max(in[0], ds, keepDim) : Reductions.min(in[0], ds, keepDim)).check(leaf);
    }

    /** The gradient of max/min along a dim goes to the first position holding the extreme (the argmax). */
    @Example
    void maxAlongDimGradientGoesToTheFirstTie() {
        Tensor x = Tensor.of(new float[] {1, 3, 3, 2, 2, 0}, 2, 3).requiresGrad(true);
        Reductions.max(x, 1, false).sum().backward();
        assertEquals("[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]", Arrays.toString(x.grad().toFloatArray()));
        assertEquals("[1.0, 0.0]", Arrays.toString(Reductions.argmax(x, 1, false).toFloatArray()));
    }

    @Property(tries = 50)
    void globalMaxAndMin(@ForAll long seed, @ForAll boolean max) {
        TensorGen g = new TensorGen(seed);
        Sample x = g.sample(g.shape(0, 4, 4));
        double e = max ? Arrays.stream(x.v()).max().orElseThrow() : Arrays.stream(x.v()).min().orElseThrow();
        Naive.assertClose(max ? Reductions.max(x.t()) : Reductions.min(x.t()), new double[] {e}, new int[0], 0, 0, "global extreme");
        int[] small = g.shape(0, 3, 3);
        Sample leaf = g.leaf(distinct(g, (int) Naive.numel(small)), small);
        GradCheck.of(in -> max ? Reductions.max(in[0]) : Reductions.min(in[0])).check(leaf);
    }

    /** As torch.max(): tied maxima share the gradient evenly. */
    @Example
    void globalMaxSharesTheGradientAmongTies() {
        Tensor x = Tensor.of(new float[] {1, 3, 3, 2}, 4).requiresGrad(true);
        Reductions.max(x).backward();
        assertEquals("[0.0, 0.5, 0.5, 0.0]", Arrays.toString(x.grad().toFloatArray()));
        Tensor y = Tensor.of(new float[] {-1, -1, -1, 2}, 2, 2).requiresGrad(true);
        Reductions.min(y).mul(3f).backward();
        assertEquals("[1.0, 1.0, 1.0, 0.0]", Arrays.toString(y.grad().toFloatArray()));
    }

    @Example
    void nanPropagatesThroughMaxAndMin() {
        Tensor x = Tensor.of(new float[] {1, Float.NaN, 3, 2}, 2, 2);
        assertTrue(Float.isNaN(Reductions.max(x).item()));
        assertTrue(Float.isNaN(Reductions.min(x).item()));
        assertEquals("[3.0, NaN]", Arrays.toString(Reductions.max(x, 0, false).toFloatArray()));
        assertEquals("[1.0, NaN]", Arrays.toString(Reductions.min(x, 0, false).toFloatArray()));
        assertEquals("[1.0, 0.0]", Arrays.toString(Reductions.argmax(x, 0, false).toFloatArray()));
    }

    @Property(tries = 60)
    void sumToShapeUndoesBroadcasting(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] out = g.shape(0, 4, 4);
        int[] target = g.broadcastableTo(out);
        Sample x = g.sample(out);
        // reference: accumulate each element into its broadcast source
        double[] e = new double[(int) Naive.numel(target)];
        for (int i = 0; i < x.numel(); i++) {
            int[] idx = Naive.unravel(i, out);
            int lead = out.length - target.length;
            int[] src = new int[target.length];
            for (int d = 0; d < target.length; d++) src[d] = target[d] == 1 ? 0 : idx[lead + d];
            e[Naive.ravel(src, target)] += x.v()[i];
        }
        Naive.assertClose(Reductions.sumToShape(x.t(), target), e, target, 1e-6, 1e-6, "sumToShape " + x + " to " + Arrays.toString(target));
    }

    @Example
    void reductionErrorsAreClear() {
        var e = assertThrows(IllegalArgumentException.class, () -> Reductions.sum(Tensor.zeros(2, 3), new int[] {2}, false));
        assertTrue(e.getMessage().contains("dim 2") && e.getMessage().contains("rank 2"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> Reductions.sumToShape(Tensor.zeros(2, 3), new int[] {4}));
        assertTrue(e2.getMessage().contains("[2, 3]") && e2.getMessage().contains("[4]"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Reductions.max(Tensor.zeros(0)));
        assertThrows(IllegalArgumentException.class, () -> Reductions.max(Tensor.zeros(2, 0), 1, false));
    }
}
