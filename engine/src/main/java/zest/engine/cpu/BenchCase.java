package zest.engine.cpu;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A benchmark case: how to build its inputs, what to time, and how the Python peer should rebuild it.
 *
 * @param prepare allocates fresh random inputs and returns the operation to time (so big cases hold memory only
 *                while they run)
 * @param peerSpec the case in torch_peer.py's JSON form
 */
record BenchCase(String id, String name, String shape, double flops, Supplier<Runnable> prepare,
                 Map<String, Object> peerSpec) {

    /** C[m,n] = A[m,k]·op(B); op(B) = Bᵀ with B stored [n,k] when transB (how Linear layers and Q·Kᵀ multiply). */
    static BenchCase gemm(int m, int n, int k, boolean transB) {
        String id = String.format("sgemm_%s_%dx%dx%d", transB ? "nt" : "nn", m, n, k);
        Map<String, Object> spec = spec(id, "gemm");
        spec.put("m", m);
        spec.put("n", n);
        spec.put("k", k);
        spec.put("transB", transB);
        return new BenchCase(id, transB ? "SGEMM A·Bᵀ" : "SGEMM A·B", m + "×" + n + "×" + k + " (M×N×K)",
                2.0 * m * n * k, () -> {
            float[] a = random(m * k, 1), b = random(k * n, 2), c = new float[m * n];
            return () -> Sgemm.sgemm(false, transB, m, n, k, 1f, a, 0, k, b, 0, transB ? k : n, 0f, c, 0, n);
        }, spec);
    }

    enum ConvPass { FORWARD, INPUT, WEIGHT }

    /** A square-image, "same"-padded convolution with oc = c, as in SD's UNet and VAE blocks. */
    static BenchCase conv(ConvPass pass, int channels, int size, int kernel) {
        Conv2dGeometry g = new Conv2dGeometry(1, channels, size, size, channels, kernel, kernel, 1, 1, kernel / 2, kernel / 2);
        String passName = pass.name().toLowerCase();
        String id = String.format("conv%dx%d_%s_%dx%dx%d", kernel, kernel, passName, channels, size, size);
        Map<String, Object> spec = spec(id, "conv");
        spec.put("pass", passName);
        spec.put("n", 1);
        spec.put("c", channels);
        spec.put("h", size);
        spec.put("w", size);
        spec.put("oc", channels);
        spec.put("kh", kernel);
        spec.put("kw", kernel);
        spec.put("stride", 1);
        spec.put("pad", kernel / 2);
        String name = switch (pass) {
            case FORWARD -> "conv2d forward";
            case INPUT -> "conv2d ∂input";
            case WEIGHT -> "conv2d ∂weight";
        };
        String shape = String.format("%d→%d ch @%d×%d, %d×%d pad %d", channels, channels, size, size, kernel, kernel, kernel / 2);
        return new BenchCase(id, name, shape, 2.0 * g.macs(), () -> {
            float[] x = random(g.inputSize(), 3), w = random(g.weightSize(), 4), bias = random(g.oc(), 5);
            float[] grad = random(g.outputSize(), 6), out = new float[(int) g.outputSize()];
            float[] gradX = new float[(int) g.inputSize()], gradW = new float[(int) g.weightSize()];
            return switch (pass) {
                case FORWARD -> () -> Conv2dKernels.forward(g, x, 0, w, 0, bias, out, 0);
                case INPUT -> () -> Conv2dKernels.backwardInput(g, grad, 0, w, 0, gradX, 0);
                case WEIGHT -> () -> Conv2dKernels.backwardWeight(g, grad, 0, x, 0, gradW, 0);
            };
        }, spec);
    }

    /**
     * Self-attention softmax(Q·Kᵀ/√d)·V over one image's tokens, in the UNet's [1, L, H, d] rows; with backward, the
     * forward then the gradients of Q, K and V (the peer: torch's scaled_dot_product_attention and its autograd).
     * FLOPs count the two forward products, and three times that for forward + backward.
     */
    static BenchCase attention(boolean backward, int heads, int tokens, int d) {
        String id = String.format("sdpa_%s_%dx%dx%d", backward ? "fwdbwd" : "forward", heads, tokens, d);
        Map<String, Object> spec = spec(id, "attention");
        spec.put("pass", backward ? "fwdbwd" : "forward");
        spec.put("heads", heads);
        spec.put("tokens", tokens);
        spec.put("d", d);
        double forward = 4.0 * heads * tokens * tokens * d;
        String shape = String.format("%d heads × %d, %d tokens", heads, d, tokens);
        return new BenchCase(id, backward ? "attention fwd+bwd" : "attention forward", shape, backward ? 3 * forward : forward, () -> {
            int width = heads * d, n = tokens * width;
            float[] q = random(n, 7), k = random(n, 8), v = random(n, 9), g = random(n, 10), out = new float[n];
            float[] dq = new float[n], dk = new float[n], dv = new float[n];
            AttentionKernels.Matrices mq = rows(q, tokens, width, d), mk = rows(k, tokens, width, d), mv = rows(v, tokens, width, d);
            AttentionKernels.Matrices mo = rows(out, tokens, width, d), mg = rows(g, tokens, width, d);
            float scale = (float) (1 / Math.sqrt(d));
            return () -> {
                AttentionKernels.forward(1, heads, tokens, tokens, d, d, mq, mk, mv, null, scale, mo);
                if (backward) AttentionKernels.backward(1, heads, tokens, tokens, d, d, mq, mk, mv, null, scale, mg, dq, dk, dv);
            };
        }, spec);
    }

    private static AttentionKernels.Matrices rows(float[] data, int tokens, int width, int d) {
        return new AttentionKernels.Matrices(data, 0, tokens * width, d, width);
    }

    private static Map<String, Object> spec(String id, String kind) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("id", id);
        spec.put("kind", kind);
        return spec;
    }

    private static float[] random(long size, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[Conv2dKernels.arraySize(size)];
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat() * 2 - 1;
        return x;
    }
}
