package zest.engine.ops;

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

/** conv2d: forward vs a double-precision direct convolution, gradients to x, w and bias vs finite differences. */
class ConvolutionTest {

    /** One random problem: sizes, strides and paddings with at least one output pixel. */
    private record Geometry(int n, int c, int h, int w, int oc, int kh, int kw, int sh, int sw, int ph, int pw) {
        int outH() { return (h + 2 * ph - kh) / sh + 1; }

        int outW() { return (w + 2 * pw - kw) / sw + 1; }

        int[] xShape() { return new int[] {n, c, h, w}; }

        int[] wShape() { return new int[] {oc, c, kh, kw}; }

        int[] yShape() { return new int[] {n, oc, outH(), outW()}; }

        static Geometry random(TensorGen g, int maxSpatial) {
            int kh = 1 + g.nextInt(3), kw = 1 + g.nextInt(3);
            int ph = g.nextInt(kh), pw = g.nextInt(kw); // padding below the kernel size, as real layers use
            int h = Math.max(1, kh - 2 * ph) + g.nextInt(maxSpatial), w = Math.max(1, kw - 2 * pw) + g.nextInt(maxSpatial);
            return new Geometry(1 + g.nextInt(2), 1 + g.nextInt(3), h, w, 1 + g.nextInt(3), kh, kw,
                    1 + g.nextInt(2), 1 + g.nextInt(2), ph, pw);
        }
    }

    private static double[] reference(Geometry g, double[] x, double[] w, double[] bias) {
        int oh = g.outH(), ow = g.outW();
        double[] y = new double[g.n() * g.oc() * oh * ow];
        for (int b = 0; b < g.n(); b++)
            for (int o = 0; o < g.oc(); o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++) {
                        double s = bias == null ? 0 : bias[o];
                        for (int ci = 0; ci < g.c(); ci++)
                            for (int u = 0; u < g.kh(); u++)
                                for (int v = 0; v < g.kw(); v++) {
                                    int r = i * g.sh() - g.ph() + u, col = j * g.sw() - g.pw() + v;
                                    if (r < 0 || r >= g.h() || col < 0 || col >= g.w()) continue;
                                    s += x[((b * g.c() + ci) * g.h() + r) * g.w() + col] * w[((o * g.c() + ci) * g.kh() + u) * g.kw() + v];
                                }
                        y[((b * g.oc() + o) * oh + i) * ow + j] = s;
                    }
        return y;
    }

    @Property(tries = 50)
    void forwardMatchesDirectConvolution(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Geometry geo = Geometry.random(g, 6);
        Sample x = g.sample(geo.xShape()), w = g.sample(geo.wShape());
        Sample b = g.nextBoolean() ? g.sample(geo.oc()) : null;
        Tensor y = Convolution.conv2d(x.t(), w.t(), b == null ? null : b.t(), geo.sh(), geo.sw(), geo.ph(), geo.pw());
        Naive.assertClose(y, reference(geo, x.v(), w.v(), b == null ? null : b.v()), geo.yShape(), 1e-5, 1e-5, "conv2d " + geo);
    }

    @Property(tries = 30)
    void gradientsReachInputWeightAndBias(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        Geometry geo = Geometry.random(g, 4);
        Tensor x = g.leaf(geo.xShape()).t().requiresGrad(g.nextInt(4) != 0);
        Tensor w = g.leaf(geo.wShape()).t().requiresGrad(true);
        boolean withBias = g.nextBoolean();
        Tensor b = g.leaf(geo.oc()).t().requiresGrad(true);
        GradCheck.of(in -> Convolution.conv2d(in[0], in[1], withBias ? in[2] : null, geo.sh(), geo.sw(), geo.ph(), geo.pw()))
                .check(x, w, b);
    }

    /** Sizes where the kernels take their blocked GEMM paths; gradients checked through the adjoint identities. */
    @Example
    void largerProblemsMatchAndTheirGradientsAreAdjoint() {
        TensorGen g = new TensorGen(11);
        for (int stride = 1; stride <= 2; stride++) {
            Geometry geo = new Geometry(2, 16, 18, 14, 24, 3, 3, stride, stride, 1, 1);
            Sample x = g.sample(geo.xShape()), w = g.sample(geo.wShape());
            Tensor xt = x.t().detach().requiresGrad(true), wt = w.t().detach().requiresGrad(true);
            Tensor y = Convolution.conv2d(xt, wt, null, stride, 1);
            Naive.assertClose(y, reference(geo, x.v(), w.v(), null), geo.yShape(), 1e-4, 1e-5, "conv2d " + geo);
            // y is linear in x and in w: Σ gy·y = Σ gx·x = Σ gw·w
            double[] gy = g.values(y.numel(), g.uniformDist(-1, 1));
            y.backward(TensorGen.tensor(gy, y.shape()));
            double yDot = dot(gy, Naive.values(y));
            double xDot = dot(Naive.values(xt.grad()), x.v()), wDot = dot(Naive.values(wt.grad()), w.v());
            assertTrue(Math.abs(xDot - yDot) <= 1e-4 * (1 + Math.abs(yDot)), "x adjoint " + xDot + " vs " + yDot);
            assertTrue(Math.abs(wDot - yDot) <= 1e-4 * (1 + Math.abs(yDot)), "w adjoint " + wDot + " vs " + yDot);
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Example
    void squareStrideAndPaddingOverloadMatchesTheGeneralOne() {
        TensorGen g = new TensorGen(3);
        Tensor x = g.sample(2, 3, 7, 5).t(), w = g.sample(4, 3, 3, 3).t(), b = g.sample(4).t();
        Tensor general = Convolution.conv2d(x, w, b, 2, 2, 1, 1);
        Naive.assertClose(Convolution.conv2d(x, w, b, 2, 1), Naive.values(general), general.shape(), 0, 0, "overload");
    }

    @Example
    void rejectsMismatchedShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Convolution.conv2d(Tensor.zeros(1, 3, 4, 4), Tensor.zeros(2, 4, 3, 3), null, 1, 1));
        assertTrue(e.getMessage().contains("[1, 3, 4, 4]") && e.getMessage().contains("[2, 4, 3, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Convolution.conv2d(Tensor.zeros(3, 4, 4), Tensor.zeros(2, 3, 3, 3), null, 1, 1));
        assertThrows(IllegalArgumentException.class,
                () -> Convolution.conv2d(Tensor.zeros(1, 3, 4, 4), Tensor.zeros(2, 3, 3, 3), Tensor.zeros(3), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Convolution.conv2d(Tensor.zeros(1, 3, 2, 2), Tensor.zeros(2, 3, 3, 3), null, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Convolution.conv2d(Tensor.zeros(1, 3, 4, 4), Tensor.zeros(2, 3, 3, 3), null, 0, 1));
    }
}
