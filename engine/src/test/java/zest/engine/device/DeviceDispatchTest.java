package zest.engine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import zest.engine.GradMode;
import zest.engine.Storage;
import zest.engine.Tensor;
import zest.engine.ops.Attention;
import zest.engine.ops.Convolution;
import zest.engine.ops.Elementwise;
import zest.engine.ops.Embedding;
import zest.engine.ops.LinearAlgebra;
import zest.engine.ops.Normalization;
import zest.engine.ops.Reductions;
import zest.engine.ops.Resize;
import zest.engine.ops.ShapeOps;
import zest.engine.ops.Softmax;

/**
 * The ops' device path end to end on {@link HostBackedBackend} (a "device" computed on the CPU): every op's result
 * and its gradients come back on the device and equal the CPU run's, CPU operands mixed in follow the device
 * operand, and the differentiable transfers carry gradients back. The CUDA kernels themselves are compared with
 * the CPU by the kernels module's cross-backend suite on a GPU.
 */
class DeviceDispatchTest {
    static final Device DEV = HostBackedBackend.DEVICE;
    static final double TOL = 2e-6;

    static float[] random(long seed, int n, float lo, float hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = lo + (float) r.nextDouble() * (hi - lo);
        return v;
    }

    static int numel(int[] s) { int n = 1; for (int d : s) n *= d; return n; }

    /** Runs f on CPU leaves and on device leaves, compares outputs and the gradients of Σ out·R. */
    static void same(String what, Function<Tensor[], Tensor> f, int[]... shapes) {
        Tensor[] cpu = new Tensor[shapes.length], dev = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            float[] v = random(31L * i + shapes.length, numel(shapes[i]), -1.5f, 1.5f);
            cpu[i] = Tensor.of(v.clone(), shapes[i]).requiresGrad(true);
            dev[i] = Tensor.of(v.clone(), shapes[i]).to(DEV).requiresGrad(true);
        }
        Tensor oc = f.apply(cpu), od = f.apply(dev);
        assertEquals(DEV, od.device(), what + ": the result stays on the device");
        assertClose(what, oc.toFloatArray(), od.toFloatArray());
        float[] r = random(7, oc.numel(), -1, 1);
        Reductions.sum(Elementwise.mul(oc, Tensor.of(r.clone(), oc.shape()))).backward();
        Reductions.sum(Elementwise.mul(od, Tensor.of(r.clone(), oc.shape()))).backward(); // a CPU weight: follows the device
        for (int i = 0; i < shapes.length; i++) {
            if (cpu[i].grad() == null) continue;
            assertNotNull(dev[i].grad(), what + ": gradient of input " + i);
            assertEquals(DEV, dev[i].grad().device(), what + ": gradient " + i + " is on the device");
            assertClose(what + " grad " + i, cpu[i].grad().toFloatArray(), dev[i].grad().toFloatArray());
        }
    }

    static void assertClose(String what, float[] e, float[] a) {
        assertEquals(e.length, a.length, what);
        double scale = 1e-30, worst = 0;
        for (int i = 0; i < e.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
            worst = Math.max(worst, Math.abs(e[i] - a[i]));
        }
        assertTrue(worst / scale <= TOL, what + ": max-rel " + worst / scale);
    }

    @Test
    void elementwiseBroadcastingAndScalars() {
        same("add", t -> Elementwise.add(t[0], t[1]), new int[] {2, 3, 4}, new int[] {3, 1});
        same("div", t -> Elementwise.div(t[0], Elementwise.addScalar(Elementwise.abs(t[1]), 0.5f)), new int[] {4, 3}, new int[] {3});
        same("maximum", t -> Elementwise.maximum(t[0], t[1]), new int[] {5, 2}, new int[] {5, 2});
        same("chain", t -> Elementwise.silu(Elementwise.mul(Elementwise.exp(t[0]), Tensor.scalar(0.5f))), new int[] {3, 5});
        same("gelu+tanh+clamp", t -> Elementwise.clamp(Elementwise.tanh(Elementwise.gelu(t[0])), -0.3f, 0.4f), new int[] {17});
        same("where", t -> Elementwise.where(Elementwise.greater(t[1], Tensor.scalar(0)), t[0], t[1]), new int[] {3, 4}, new int[] {4});
        same("pow", t -> Elementwise.pow(Elementwise.addScalar(Elementwise.abs(t[0]), 0.1f), 2.5f), new int[] {6});
    }

    @Test
    void reductionsSoftmaxAndViews() {
        same("sum dims", t -> Reductions.sum(t[0], new int[] {0, 2}, true), new int[] {3, 4, 5});
        same("mean", t -> Reductions.mean(t[0]), new int[] {3, 4});
        same("max along (through the CPU)", t -> Reductions.max(t[0], 1, false), new int[] {3, 4});
        same("softmax dim 0", t -> Softmax.softmax(t[0], 0), new int[] {4, 3});
        same("logSoftmax", t -> Softmax.logSoftmax(t[0], -1), new int[] {2, 7});
        same("permute+narrow", t -> Elementwise.mulScalar(t[0].permute(2, 0, 1).narrow(1, 1, 2).contiguous(), 2f), new int[] {3, 4, 5});
    }

    @Test
    void productsConvolutionAndNorms() {
        same("matmul batch broadcast", t -> LinearAlgebra.matmul(t[0], t[1]), new int[] {2, 3, 5}, new int[] {5, 4});
        same("matmul transposed operand", t -> LinearAlgebra.matmul(t[0], t[1].transpose(-1, -2)), new int[] {2, 3, 5}, new int[] {2, 4, 5});
        same("linear", t -> LinearAlgebra.linear(t[0], t[1], t[2]), new int[] {2, 3, 6}, new int[] {4, 6}, new int[] {4});
        same("conv2d", t -> Convolution.conv2d(t[0], t[1], t[2], 1, 1), new int[] {2, 3, 6, 5}, new int[] {4, 3, 3, 3}, new int[] {4});
        same("groupNorm", t -> Normalization.groupNorm(t[0], 2, t[1], t[2], 1e-5f), new int[] {2, 4, 3, 3}, new int[] {4}, new int[] {4});
        same("layerNorm", t -> Normalization.layerNorm(t[0], t[1], t[2], 1e-5f), new int[] {3, 2, 8}, new int[] {8}, new int[] {8});
    }

    @Test
    void attentionComposedWithGradFusedWithout() {
        Function<Tensor[], Tensor> f = t -> {
            Attention.Result r = Attention.sdpa(t[0], t[1], t[2], t[3], 0.5f, true);
            return ShapeOps.concat(-1, r.output(), r.probs());
        };
        same("sdpa", f, new int[] {1, 2, 3, 4}, new int[] {1, 2, 5, 4}, new int[] {1, 2, 5, 4}, new int[] {1, 1, 3, 5});
        try (var ignored = GradMode.noGrad()) {
            Tensor[] cpu = new Tensor[4], dev = new Tensor[4];
            int[][] shapes = {{1, 2, 3, 4}, {1, 2, 5, 4}, {1, 2, 5, 4}, {1, 1, 3, 5}};
            for (int i = 0; i < 4; i++) {
                cpu[i] = Tensor.of(random(i, numel(shapes[i]), -1, 1), shapes[i]);
                dev[i] = cpu[i].to(DEV);
            }
            Tensor oc = f.apply(cpu), od = f.apply(dev);
            assertEquals(DEV, od.device());
            assertClose("sdpa fused", oc.toFloatArray(), od.toFloatArray());
        }
    }

    @Test
    void concatAndUpsampleStayOnTheDevice() {
        same("concat dim 1", t -> ShapeOps.concat(1, t[0], t[1], t[2]), new int[] {2, 3, 4}, new int[] {2, 1, 4}, new int[] {2, 2, 4});
        same("concat last", t -> ShapeOps.concat(-1, t[0].transpose(0, 1), t[1]), new int[] {3, 2}, new int[] {2, 5});
        same("concat with a CPU part", t -> ShapeOps.concat(0, t[0], Tensor.ones(1, 3)), new int[] {2, 3});
        same("upsample", t -> Resize.upsampleNearest2x(t[0]), new int[] {2, 2, 3, 4});
    }

    @Test
    void opsWithoutDeviceKernelsRunThroughTheCpuAndComeBack() {
        same("pad", t -> ShapeOps.pad(t[0], new int[] {1, 2}, 0.25f), new int[] {2, 3});
        same("bilinear", t -> Resize.bilinear(t[0], 5, 4), new int[] {1, 2, 3, 3});
        same("embedding", t -> Embedding.embedding(t[0], Tensor.ofLongs(new long[] {2, 0, 2}, 3)), new int[] {4, 5});
    }

    @Test
    void transfersAreDifferentiableAndReadsCopyBack() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor y = Elementwise.mulScalar(x.to(DEV), 3f);
        assertTrue(y.storage() instanceof Storage.OnDevice);
        assertEquals(6f, y.get(1));
        Reductions.sum(y.to(Device.CPU)).backward();
        assertEquals(Device.CPU, x.grad().device(), "the gradient arrives where the leaf lives");
        assertClose("grad", new float[] {3, 3, 3}, x.grad().toFloatArray());
        assertEquals(9f, Reductions.sum(Tensor.ones(3).to(DEV)).mul(3f).item());
        Tensor d = Tensor.ones(2).to(DEV);
        assertSame(d, d.to(DEV));
        assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
    }
}
