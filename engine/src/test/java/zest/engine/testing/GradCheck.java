package zest.engine.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import zest.engine.GradMode;
import zest.engine.Tensor;

/**
 * Checks autograd against central finite differences. The function's outputs are reduced to a scalar
 * L = Σ wⱼ·yⱼ with fixed random weights w ∈ [-1, 1]; autograd runs {@code y.backward(w)} and the numeric gradient
 * of L is a Richardson-extrapolated central difference, (4·D(h/2) − D(h)) / 3 with D(h) = (L(x+h) − L(x−h)) / 2h,
 * accumulated in double (the engine computes in float, so h must not be tiny; truncation error is O(h⁴)).
 *
 * <p>Inputs with {@code requiresGrad()} true are differentiated; the others are constants. Non-finite input
 * elements (e.g. -inf attention scores) have no finite difference: there the gradient need only be finite. The caller's tensors
 * are never modified: the autograd run uses detached views of them (so non-contiguous leaves keep their layout)
 * and the finite-difference runs use contiguous F32 copies.
 *
 * <pre>{@code
 * GradCheck.of(in -> in[0].mul(in[1]).exp()).check(a.requiresGrad(true), b);
 * GradCheck.ofMulti(in -> ShapeOps.chunk(in[0], 2, 0)).tolerance(1e-3, 1e-2).check(x.requiresGrad(true));
 * }</pre>
 */
public final class GradCheck {
    private final Function<Tensor[], List<Tensor>> f;
    private double h = 1e-2;
    private double atol = 2e-3, rtol = 2e-2;
    private long seed = 1234;

    private GradCheck(Function<Tensor[], List<Tensor>> f) { this.f = f; }

    public static GradCheck of(Function<Tensor[], Tensor> f) { return new GradCheck(in -> List.of(f.apply(in))); }

    /** For ops with several outputs (split, chunk): all of them enter the weighted sum. */
    public static GradCheck ofMulti(Function<Tensor[], List<Tensor>> f) { return new GradCheck(f); }

    /** Pass if |autograd − numeric| ≤ atol + rtol·|numeric| for every element. */
    public GradCheck tolerance(double atol, double rtol) { this.atol = atol; this.rtol = rtol; return this; }

    /** The finite-difference step (the inputs must be smooth within ±h of their values). */
    public GradCheck step(double h) { this.h = h; return this; }

    /** Seed of the output weights. */
    public GradCheck seed(long seed) { this.seed = seed; return this; }

    /** Convenience: inputs given as samples, all of them differentiated. */
    public void check(TensorGen.Sample... inputs) {
        Tensor[] ts = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) ts[i] = inputs[i].t().detach().requiresGrad(true);
        check(ts);
    }

    public void check(Tensor... inputs) {
        int nIn = inputs.length;
        double[][] base = new double[nIn][];
        for (int i = 0; i < nIn; i++) base[i] = inputs[i].dtype().isFloating() ? Naive.values(inputs[i]) : null;

        // ---- autograd
        Tensor[] leaves = new Tensor[nIn];
        for (int i = 0; i < nIn; i++) {
            leaves[i] = inputs[i].detach();
            if (inputs[i].requiresGrad()) leaves[i].requiresGrad(true);
        }
        List<Tensor> outs = f.apply(leaves);
        Random r = new Random(seed);
        List<double[]> weights = new ArrayList<>();
        for (Tensor y : outs) {
            double[] w = new double[y.numel()];
            for (int j = 0; j < w.length; j++) w[j] = (float) (2 * r.nextDouble() - 1);
            weights.add(w);
        }
        int last = -1;
        for (int o = 0; o < outs.size(); o++) if (outs.get(o).requiresGrad()) last = o;
        for (int o = 0; o <= last; o++) {
            Tensor y = outs.get(o);
            if (!y.requiresGrad()) continue;
            y.backward(TensorGen.tensor(weights.get(o), y.shape()), o != last);
        }

        // ---- numeric, and comparison
        for (int i = 0; i < nIn; i++) {
            if (!inputs[i].requiresGrad()) {
                if (leaves[i].grad() != null) throw new AssertionError("input " + i + " does not require grad but got one");
                continue;
            }
            Tensor g = leaves[i].grad();
            int[] shape = inputs[i].shape();
            double[] auto;
            if (g == null) auto = new double[base[i].length];
            else {
                if (!Arrays.equals(g.shape(), shape))
                    throw new AssertionError("gradient of input " + i + " has shape " + Arrays.toString(g.shape())
                            + ", the input " + Arrays.toString(shape));
                auto = Naive.values(g);
            }
            double[] num = new double[base[i].length];
            for (int k = 0; k < num.length; k++) {
                if (!Double.isFinite(base[i][k])) {
                    // no finite difference at ±inf (e.g. masked scores): only demand a finite gradient there
                    if (!Double.isFinite(auto[k]))
                        throw new AssertionError("gradient of input " + i + " at " + Arrays.toString(Naive.unravel(k, shape))
                                + " (input " + base[i][k] + ") is " + auto[k]);
                    num[k] = auto[k];
                    continue;
                }
                double d1 = central(inputs, base, weights, i, k, h);
                double d2 = central(inputs, base, weights, i, k, h / 2);
                num[k] = (4 * d2 - d1) / 3;
            }
            for (int k = 0; k < num.length; k++) {
                if (!(Math.abs(auto[k] - num[k]) <= atol + rtol * Math.abs(num[k])))
                    throw new AssertionError("gradient of input " + i + " " + Arrays.toString(shape) + " at "
                            + Arrays.toString(Naive.unravel(k, shape)) + ": autograd " + auto[k] + ", numeric " + num[k]
                            + "\n  autograd " + Naive.abbreviate(auto) + "\n  numeric  " + Naive.abbreviate(num)
                            + "\n  input    " + Naive.abbreviate(base[i]));
            }
        }
    }

    private double central(Tensor[] inputs, double[][] base, List<double[]> weights, int i, int k, double step) {
        // the shifted values are rounded to float: divide by the step actually taken
        double x = base[i][k], xp = (float) (x + step), xm = (float) (x - step);
        return (loss(inputs, base, weights, i, k, xp) - loss(inputs, base, weights, i, k, xm)) / (xp - xm);
    }

    /** L with element k of input i set to value (computed without recording a graph). */
    private double loss(Tensor[] inputs, double[][] base, List<double[]> weights, int i, int k, double value) {
        Tensor[] xs = new Tensor[inputs.length];
        for (int j = 0; j < inputs.length; j++) {
            if (base[j] == null) { xs[j] = inputs[j].detach(); continue; }
            double[] v = base[j].clone();
            if (j == i) v[k] = value;
            xs[j] = TensorGen.tensor(v, inputs[j].shape());
        }
        List<Tensor> outs;
        try (var ignored = GradMode.noGrad()) {
            outs = f.apply(xs);
        }
        double l = 0;
        for (int o = 0; o < outs.size(); o++) {
            float[] y = outs.get(o).toFloatArray();
            double[] w = weights.get(o);
            for (int j = 0; j < y.length; j++) l += w[j] * y[j];
        }
        if (!Double.isFinite(l)) throw new AssertionError("finite differences hit a non-finite loss at input " + i + " element " + k);
        return l;
    }
}
