package zest.kernels.backend;

import static zest.kernels.backend.BackendComparison.Input.constant;
import static zest.kernels.backend.BackendComparison.Input.of;
import static zest.kernels.backend.BackendComparison.check;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import zest.engine.Tensor;
import zest.engine.ops.Attention;
import zest.engine.ops.Convolution;
import zest.engine.ops.Elementwise;
import zest.engine.ops.Embedding;
import zest.engine.ops.LinearAlgebra;
import zest.engine.ops.Losses;
import zest.engine.ops.Normalization;
import zest.engine.ops.Reductions;
import zest.engine.ops.Resize;
import zest.engine.ops.ShapeOps;
import zest.engine.ops.Softmax;

/**
 * Every op, forward and backward, on the CUDA backend against the CPU backend (random shapes, layouts and values).
 * Tolerances, as max-rel error over the CPU result's largest magnitude: FP32 ≤ 1e-5 for every op (cuBLAS and
 * cuDNN run in pedantic/FMA mode, so no TF32). F16/BF16 inputs are widened exactly on both sides (the rounding is
 * in the stored data, the same bits on both), so they use the same bound; see {@link #sixteenBitWeightsAreWidenedAsOnTheCpu}.
 * Skipped, with the reason in the report, where no CUDA device is usable.
 */
@AddLifecycleHook(RequiresCuda.class)
class CrossBackendPropertiesTest {
    static final double FP32 = 1e-5;

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(1, 7).array(int[].class).ofMinSize(1).ofMaxSize(4);
    }

    /** A shape and a broadcastable partner (some dims set to 1, some leading dims dropped). */
    @Provide
    Arbitrary<int[][]> broadcastPairs() {
        return Combinators.combine(shapes(), Arbitraries.integers().between(0, 15), Arbitraries.integers().between(0, 3))
                .as((s, ones, drop) -> {
                    int keep = Math.max(1, s.length - Math.min(drop, s.length - 1));
                    int[] b = Arrays.copyOfRange(s, s.length - keep, s.length);
                    for (int i = 0; i < b.length; i++) if ((ones >> i & 1) == 1) b[i] = 1;
                    return new int[][] {s, b};
                });
    }

    // ---------------------------------------------------------------- element-wise

    @Property(tries = 30)
    void binaryOpsBroadcast(@ForAll("broadcastPairs") int[][] shapes, @ForAll long seed, @ForAll @IntRange(max = 5) int which) {
        String[] names = {"add", "sub", "mul", "div", "maximum", "minimum"};
        check(names[which], FP32, seed, in -> switch (which) {
            case 0 -> Elementwise.add(in[0], in[1]);
            case 1 -> Elementwise.sub(in[0], in[1]);
            case 2 -> Elementwise.mul(in[0], in[1]);
            case 3 -> Elementwise.div(in[0], in[1]);
            case 4 -> Elementwise.maximum(in[0], in[1]);
            default -> Elementwise.minimum(in[0], in[1]);
        }, of(-2, 2, shapes[0]), which == 3 ? of(0.5f, 2, shapes[1]) : of(-2, 2, shapes[1]));
    }

    @Property(tries = 40)
    void pointwiseFunctions(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll @IntRange(max = 13) int which) {
        String[] names = {"exp", "log", "sqrt", "rsqrt", "pow", "abs", "sigmoid", "tanh", "silu", "gelu", "geluTanh", "quickGelu", "clamp", "scalars"};
        boolean positive = which >= 1 && which <= 4;
        check(names[which], FP32, seed, in -> switch (which) {
            case 0 -> Elementwise.exp(in[0]);
            case 1 -> Elementwise.log(in[0]);
            case 2 -> Elementwise.sqrt(in[0]);
            case 3 -> Elementwise.rsqrt(in[0]);
            case 4 -> Elementwise.pow(in[0], 1.7f);
            case 5 -> Elementwise.abs(in[0]);
            case 6 -> Elementwise.sigmoid(in[0]);
            case 7 -> Elementwise.tanh(in[0]);
            case 8 -> Elementwise.silu(in[0]);
            case 9 -> Elementwise.gelu(in[0]);
            case 10 -> Elementwise.geluTanh(in[0]);
            case 11 -> Elementwise.quickGelu(in[0]);
            case 12 -> Elementwise.clamp(in[0], -0.5f, 0.7f);
            default -> Elementwise.addScalar(Elementwise.mulScalar(in[0], -1.5f), 0.25f);
        }, positive ? of(0.1f, 3, shape) : of(-3, 3, shape));
    }

    @Property(tries = 15)
    void whereSelectsWithBroadcasting(@ForAll("broadcastPairs") int[][] shapes, @ForAll long seed) {
        check("where", FP32, seed, in -> Elementwise.where(Elementwise.greater(in[2], Tensor.scalar(0f)), in[0], in[1]),
                of(-2, 2, shapes[0]), of(-2, 2, shapes[1]), constant(-1, 1, shapes[1]));
    }

    @Property(tries = 15)
    void stridedViewsAreReadInPlace(@ForAll("shapes") int[] shape, @ForAll long seed) {
        // a permuted, narrowed view feeding an op exercises the device gather (contiguous) and its gradient
        int[] big = shape.clone();
        big[0] += 2;
        check("permute+narrow+mul", FP32, seed, in -> {
            Tensor v = in[0].narrow(0, 1, shape[0]);
            Tensor p = v.dim() > 1 ? v.transpose(0, v.dim() - 1) : v;
            return Elementwise.mulScalar(p.contiguous(), 3f);
        }, of(-2, 2, big));
    }

    // ---------------------------------------------------------------- reductions and softmax

    @Property(tries = 25)
    void sumsMeansAndExtremes(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll @IntRange(max = 3) int which) {
        int dim = (int) Math.floorMod(seed, shape.length);
        check(new String[] {"sum(dim)", "mean(all)", "max(dim)", "sumToShape"}[which], FP32, seed, in -> switch (which) {
            case 0 -> Reductions.sum(in[0], new int[] {dim}, (seed & 1) == 0);
            case 1 -> Reductions.mean(in[0]);
            case 2 -> Reductions.max(in[0], dim, true);
            default -> Reductions.sumToShape(in[0], ones(shape));
        }, of(-2, 2, shape));
    }

    private static int[] ones(int[] shape) {
        int[] s = shape.clone();
        s[0] = 1;
        return s;
    }

    @Property(tries = 20)
    void softmaxAndLogSoftmax(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll boolean log) {
        int dim = (int) Math.floorMod(seed, shape.length);
        check(log ? "logSoftmax" : "softmax", FP32, seed,
                in -> log ? Softmax.logSoftmax(in[0], dim) : Softmax.softmax(in[0], dim), of(-5, 5, shape));
    }

    // ---------------------------------------------------------------- products and convolution

    @Property(tries = 20)
    void batchedMatmulWithBroadcastBatch(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 33) int m,
                                         @ForAll @IntRange(min = 1, max = 33) int k, @ForAll @IntRange(min = 1, max = 33) int n,
                                         @ForAll boolean sharedB, @ForAll long seed) {
        check("matmul", FP32, seed, in -> LinearAlgebra.matmul(in[0], in[1]),
                of(-1, 1, batch, m, k), sharedB ? of(-1, 1, k, n) : of(-1, 1, batch, k, n));
    }

    @Property(tries = 15)
    void linearWithAndWithoutBias(@ForAll @IntRange(min = 1, max = 20) int rows, @ForAll @IntRange(min = 1, max = 40) int in,
                                  @ForAll @IntRange(min = 1, max = 40) int out, @ForAll boolean bias, @ForAll long seed) {
        if (bias) check("linear+bias", FP32, seed, t -> LinearAlgebra.linear(t[0], t[1], t[2]), of(-1, 1, 2, rows, in), of(-1, 1, out, in), of(-1, 1, out));
        else check("linear", FP32, seed, t -> LinearAlgebra.linear(t[0], t[1], null), of(-1, 1, 2, rows, in), of(-1, 1, out, in));
    }

    @Property(tries = 15)
    void conv2dThroughCudnn(@ForAll @IntRange(min = 1, max = 2) int n, @ForAll @IntRange(min = 1, max = 5) int c,
                            @ForAll @IntRange(min = 1, max = 6) int oc, @ForAll @IntRange(min = 3, max = 9) int size,
                            @ForAll @IntRange(min = 1, max = 2) int stride, @ForAll boolean pad, @ForAll long seed) {
        int k = size >= 5 ? 3 : 1, p = pad ? k / 2 : 0;
        check("conv2d", FP32, seed, t -> Convolution.conv2d(t[0], t[1], t[2], stride, p),
                of(-1, 1, n, c, size, size + 1), of(-1, 1, oc, c, k, k), of(-1, 1, oc));
    }

    // ---------------------------------------------------------------- normalization and attention

    @Property(tries = 15)
    void groupNorm(@ForAll @IntRange(min = 1, max = 2) int n, @ForAll @IntRange(min = 1, max = 4) int groups,
                   @ForAll @IntRange(min = 1, max = 3) int perGroup, @ForAll @IntRange(min = 1, max = 17) int spatial, @ForAll long seed) {
        int c = groups * perGroup;
        check("groupNorm", FP32, seed, t -> Normalization.groupNorm(t[0], groups, t[1], t[2], 1e-5f),
                of(-2, 3, n, c, spatial), of(0.5f, 1.5f, c), of(-1, 1, c));
    }

    @Property(tries = 15)
    void layerNorm(@ForAll @IntRange(min = 1, max = 9) int rows, @ForAll @IntRange(min = 1, max = 70) int d, @ForAll long seed) {
        check("layerNorm", FP32, seed, t -> Normalization.layerNorm(t[0], t[1], t[2], 1e-5f),
                of(-2, 3, 2, rows, d), of(0.5f, 1.5f, d), of(-1, 1, d));
    }

    @Property(tries = 20)
    void attentionFusedAndComposed(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 3) int h,
                                   @ForAll @IntRange(min = 1, max = 17) int lq, @ForAll @IntRange(min = 1, max = 20) int lk,
                                   @ForAll @IntRange(min = 1, max = 16) int d, @ForAll boolean withBias, @ForAll boolean probs,
                                   @ForAll long seed) {
        float scale = (float) (1 / Math.sqrt(d));
        // output and probabilities together, so a wrong probability map fails even when the output is right
        java.util.function.Function<Tensor[], Tensor> f = t -> {
            Attention.Result r = Attention.sdpa(t[0], t[1], t[2], withBias ? t[3] : null, scale, probs);
            return probs ? ShapeOps.concat(-1, r.output(), r.probs()) : r.output();
        };
        // with grad: the composed (differentiable) path; under no-grad below: the fused kernel
        check("sdpa", FP32, seed, f, of(-1, 1, b, h, lq, d), of(-1, 1, b, h, lk, d), of(-1, 1, b, h, lk, d), constant(-1, 1, 1, 1, lq, lk));
        try (var ignored = zest.engine.GradMode.noGrad()) {
            check("sdpa (fused, no grad)", FP32, seed, f, constant(-1, 1, b, h, lq, d), constant(-1, 1, b, h, lk, d),
                    constant(-1, 1, b, h, lk, d), constant(-1, 1, 1, 1, lq, lk));
        }
    }

    // ---------------------------------------------------------------- shape and resampling ops (pad, bilinear, mse run through the CPU for now)

    @Property(tries = 10)
    void shapeResamplingAndLossOpsKeepResultsAndGradientsOnTheDevice(@ForAll @IntRange(min = 1, max = 4) int c, @ForAll @IntRange(min = 1, max = 6) int size,
                                                         @ForAll @IntRange(max = 4) int which, @ForAll long seed) {
        String[] names = {"concat", "pad", "upsampleNearest2x", "bilinear", "mse"};
        check(names[which], FP32, seed, t -> switch (which) {
            case 0 -> ShapeOps.concat(1, t[0], t[1]);
            case 1 -> ShapeOps.pad(t[0], new int[] {1, 2, 0, 1}, 0.5f);
            case 2 -> Resize.upsampleNearest2x(t[0]);
            case 3 -> Resize.bilinear(t[0], size + 3, size + 1);
            default -> Losses.mse(t[0], t[1]);
        }, of(-1, 1, 1, c, size, size), of(-1, 1, 1, c, size, size));
    }

    @Property(tries = 10)
    void bceAndEmbedding(@ForAll @IntRange(min = 1, max = 30) int n, @ForAll long seed) {
        check("bce", FP32, seed, t -> Losses.bce(t[0], t[1]), of(0.05f, 0.95f, n), constant(0, 1, n));
        long[] ids = new java.util.SplittableRandom(seed).longs(n, 0, 11).toArray();
        check("embedding", FP32, seed, t -> Embedding.embedding(t[0], Tensor.ofLongs(ids, n)), of(-1, 1, 11, 5));
    }

    // ---------------------------------------------------------------- stored dtypes

    @Property(tries = 10)
    void sixteenBitWeightsAreWidenedAsOnTheCpu(@ForAll @IntRange(min = 1, max = 40) int out, @ForAll @IntRange(min = 1, max = 40) int in,
                                               @ForAll boolean bf16, @ForAll long seed) {
        zest.engine.DType dtype = bf16 ? zest.engine.DType.BF16 : zest.engine.DType.F16;
        java.lang.foreign.MemorySegment seg = java.lang.foreign.Arena.ofAuto().allocate(2L * out * in);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        for (int i = 0; i < out * in; i++) {
            float v = (float) rnd.nextDouble(-1, 1);
            short bits = bf16 ? (short) (Float.floatToRawIntBits(v) >>> 16) : Float.floatToFloat16(v);
            seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, bits);
        }
        Tensor w = Tensor.ofSegment(seg, dtype, out, in);
        Tensor onDevice = w.to(CudaDevice.DEVICE);
        org.junit.jupiter.api.Assertions.assertEquals(dtype, onDevice.dtype(), "16-bit weights stay 16-bit on the device");
        check("linear(" + dtype + " weight)", FP32, seed, t -> LinearAlgebra.linear(t[0], w.device().equals(t[0].device()) ? w : onDevice, null),
                of(-1, 1, 3, in));
    }
}
