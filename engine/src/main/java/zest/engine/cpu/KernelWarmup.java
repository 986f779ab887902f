package zest.engine.cpu;

/**
 * Gets the GEMM and convolution kernels JIT-compiled before real work needs them. Until C2 compiles them,
 * Vector API code runs interpreted at a tiny fraction of its speed (the first 4096×320×320 product of a fresh JVM
 * takes seconds instead of milliseconds), so a caller can run this while it loads weights, or in the background.
 * It only exercises code paths; it changes no state that later results depend on.
 */
public final class KernelWarmup {
    private KernelWarmup() {}

    /** Starts {@link #run} on a daemon thread and returns it. */
    public static Thread startInBackground(long maxMillis) {
        return Thread.ofPlatform().daemon().name("zest-kernel-warmup").start(() -> run(maxMillis));
    }

    /**
     * Runs small products (all transpose combinations) and convolution passes on the calling thread until a probe
     * product's time stops improving, or maxMillis pass. Returns the milliseconds spent.
     */
    public static long run(long maxMillis) {
        long start = System.nanoTime(), deadline = start + maxMillis * 1_000_000L;
        int s = 2 * GemmMicroKernel.NR + 5; // several full tiles plus ragged edges
        float[] a = new float[s * s], b = new float[s * s], c = new float[s * s];
        Conv2dGeometry g = new Conv2dGeometry(1, 8, 12, 12, 8, 3, 3, 1, 1, 1, 1);
        Conv2dGeometry strided = new Conv2dGeometry(1, 4, 9, 9, 4, 3, 3, 2, 2, 1, 1);
        float[] x = new float[(int) g.inputSize()], w = new float[(int) g.weightSize()], y = new float[(int) g.outputSize()];
        long best = Long.MAX_VALUE;
        int stale = 0;
        while (System.nanoTime() < deadline && stale < 5) {
            for (int t = 0; t < 4; t++) {
                Sgemm.multiply((t & 1) != 0, (t & 2) != 0, s, s, s, 1f, a, 0, s, b, 0, s, t == 3 ? 0.5f : 0f, c, 0, s, false);
            }
            Conv2dKernels.forward(g, x, 0, w, 0, null, y, 0);
            Conv2dKernels.backwardInput(g, y, 0, w, 0, x, 0);
            Conv2dKernels.backwardWeight(g, y, 0, x, 0, w, 0);
            Conv2dKernels.backwardInput(strided, y, 0, w, 0, x, 0);
            long t0 = System.nanoTime();
            Sgemm.multiply(false, false, s, s, s, 1f, a, 0, s, b, 0, s, 0f, c, 0, s, false);
            long probe = System.nanoTime() - t0;
            if (probe < best * 0.9) { best = probe; stale = 0; }
            else stale++;
        }
        return (System.nanoTime() - start) / 1_000_000L;
    }
}
