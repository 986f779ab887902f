package zest.engine.ops;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.testing.TensorGen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * linear and conv2d given a 16-bit weight (as loaded from an F16/BF16 checkpoint) must compute the same bits, forward
 * and input gradient, as given the widened F32 weight.
 */
class HalfWeightOpsTest {
    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    private static Tensor half(float[] values, DType dtype, int... shape) {
        return Tensor.ofSegment(TensorGen.segment(values, dtype), dtype, shape);
    }

    @Test
    void linearWithHalfWeightEqualsWidenedWeight() {
        for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
            for (int[] s : new int[][] {{1, 6, 9}, {2, 320, 1280}, {77, 300, 200}}) {
                int rows = s[0], in = s[1], out = s[2];
                Tensor w = half(random(out * in, 1), dtype, out, in);
                Tensor wide = Tensor.of(w.toFloatArray(), out, in), bias = Tensor.of(random(out, 2), out);
                Tensor x1 = Tensor.of(random(rows * in, 3), rows, in).requiresGrad(true);
                Tensor x2 = Tensor.of(x1.toFloatArray(), rows, in).requiresGrad(true);
                Tensor y1 = LinearAlgebra.linear(x1, w, bias), y2 = LinearAlgebra.linear(x2, wide, bias);
                assertArrayEquals(y2.toFloatArray(), y1.toFloatArray(), dtype + " linear " + rows + "×" + in + "→" + out);
                Tensor g = Tensor.of(random(rows * out, 4), rows, out);
                y1.backward(g);
                y2.backward(g);
                assertArrayEquals(x2.grad().toFloatArray(), x1.grad().toFloatArray(), dtype + " linear input gradient");
            }
        }
    }

    @Test
    void conv2dWithHalfFilterEqualsWidenedFilter() {
        for (int[] p : new int[][] {{2, 8, 10, 10, 16, 3, 1, 1}, {1, 16, 9, 9, 8, 3, 2, 1}, {1, 24, 6, 6, 12, 1, 1, 0}}) {
            int n = p[0], c = p[1], h = p[2], wd = p[3], oc = p[4], k = p[5], s = p[6], pad = p[7];
            Tensor w = half(random(oc * c * k * k, 5), DType.F16, oc, c, k, k);
            Tensor wide = Tensor.of(w.toFloatArray(), oc, c, k, k), bias = Tensor.of(random(oc, 6), oc);
            Tensor x1 = Tensor.of(random(n * c * h * wd, 7), n, c, h, wd).requiresGrad(true);
            Tensor x2 = Tensor.of(x1.toFloatArray(), n, c, h, wd).requiresGrad(true);
            Tensor y1 = Convolution.conv2d(x1, w, bias, s, pad), y2 = Convolution.conv2d(x2, wide, bias, s, pad);
            assertArrayEquals(y2.toFloatArray(), y1.toFloatArray(), "conv2d " + java.util.Arrays.toString(p));
            Tensor g = Tensor.of(random(y1.numel(), 8), y1.shape());
            y1.backward(g);
            y2.backward(g);
            assertArrayEquals(x2.grad().toFloatArray(), x1.grad().toFloatArray(), "conv2d input gradient " + java.util.Arrays.toString(p));
        }
    }
}
