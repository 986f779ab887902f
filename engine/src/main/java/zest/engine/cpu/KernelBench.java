package zest.engine.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times the CPU kernels that dominate Stable Diffusion (SGEMM on SD 1.5's matmul shapes, 3×3 convolutions of
 * the UNet and VAE) and, given a Python with torch and numpy, the same cases in PyTorch CPU and numpy.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp ... zest.engine.cpu.KernelBench --python bench-venv/bin/python</pre>
 */
public final class KernelBench {
    /** Cases above this much work (the 512 px VAE layers, ~1 s each) run with half the repetitions. */
    private static final double BIG_CASE_FLOPS = 1e11;
    /** Minimum untimed warm-up per case: the JIT keeps recompiling for a while after the first runs. */
    private static final long WARMUP_NANOS = 500_000_000L;

    private KernelBench() {}

    public static void main(String[] args) {
        BenchOptions options = BenchOptions.parse(args);
        List<BenchCase> cases = selectedCases(options);
        System.out.printf("zest KernelBench: %d threads, %s, Vector species %s%n", options.threads(),
                System.getProperty("java.vm.name") + " " + Runtime.version(), GemmMicroKernel.SPECIES);
        List<BenchResult> ours = run(options);
        PeerBench.Timings peer = PeerBench.run(options, cases);
        System.out.println(table(ours, peer));
    }

    /** The default case list: SGEMM squares, SD 1.5 matmuls, the four SD 3×3 conv layers in all three passes, SD 1.5 self-attention. */
    static List<BenchCase> defaultCases() {
        List<BenchCase> cases = new ArrayList<>();
        cases.add(BenchCase.gemm(1024, 1024, 1024, false));
        cases.add(BenchCase.gemm(2048, 2048, 2048, false));
        // SD 1.5 as the model multiplies: Linear layers and attention scores are x·Wᵀ / Q·Kᵀ
        int[][] sd = {{4096, 320, 320}, {4096, 320, 1280}, {1024, 640, 640}, {256, 1280, 1280}, {4096, 77, 40}};
        for (int[] s : sd) cases.add(BenchCase.gemm(s[0], s[1], s[2], true));
        int[][] convs = {{320, 64}, {640, 32}, {1280, 16}, {128, 512}};
        for (int[] c : convs) {
            for (BenchCase.ConvPass pass : BenchCase.ConvPass.values()) cases.add(BenchCase.conv(pass, c[0], c[1], 3));
        }
        // SD 1.5's self-attentions at 64×64 and 32×32 (512 px)
        for (int[] a : new int[][] {{8, 4096, 40}, {8, 1024, 80}}) {
            cases.add(BenchCase.attention(false, a[0], a[1], a[2]));
            cases.add(BenchCase.attention(true, a[0], a[1], a[2]));
        }
        return cases;
    }

    static List<BenchCase> selectedCases(BenchOptions options) {
        return defaultCases().stream().filter(c -> options.only() == null || c.id().contains(options.only())).toList();
    }

    /** Times our kernels on every selected case (the peer is separate: {@link #main}). */
    public static List<BenchResult> run(BenchOptions options) {
        if (options.threads() != Parallel.threads()) Parallel.setThreads(options.threads());
        KernelWarmup.run(20_000);
        List<BenchResult> results = new ArrayList<>();
        for (BenchCase c : selectedCases(options)) {
            boolean big = c.flops() > BIG_CASE_FLOPS;
            int warmup = big ? Math.max(1, options.warmup() / 2) : options.warmup();
            int reps = big ? Math.max(3, options.reps() / 2) : options.reps();
            double[] ms = time(c.prepare().get(), warmup, reps);
            results.add(new BenchResult(c.id(), c.name(), c.shape(), ms[0], ms[ms.length / 2], c.flops() / (ms[0] * 1e6)));
        }
        return results;
    }

    /** Sorted run times in ms, after at least {@code warmup} untimed runs and half a second of them. */
    private static double[] time(Runnable op, int warmup, int reps) {
        long warmEnd = System.nanoTime() + WARMUP_NANOS;
        for (int i = 0; i < warmup || System.nanoTime() < warmEnd; i++) op.run();
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            op.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    /** The comparison table; speedup = torch time / our time, so ≥ 1 means zest is faster. */
    static String table(List<BenchResult> ours, PeerBench.Timings peer) {
        StringBuilder sb = new StringBuilder();
        sb.append("times are best of N runs in ms; speedup = torch ms / zest ms (≥ 1.00 means zest is faster)\n");
        String fmt = "%-16s %-36s %10s %9s %10s %10s %8s%n";
        sb.append(String.format(fmt, "kernel", "shape", "zest ms", "GFLOP/s", "torch ms", "numpy ms", "speedup"));
        for (BenchResult r : ours) {
            Double torch = peer.torchMs().get(r.id()), numpy = peer.numpyMs().get(r.id());
            sb.append(String.format(fmt, r.name(), r.shape(), ms(r.bestMs()), String.format("%.1f", r.gflops()),
                    torch == null ? "-" : ms(torch), numpy == null ? "-" : ms(numpy),
                    torch == null ? "-" : String.format("%.2f", torch / r.bestMs())));
        }
        if (peer.note() != null) sb.append(peer.note()).append('\n');
        else sb.append("peer: ").append(peer.versions()).append('\n');
        return sb.toString();
    }

    private static String ms(double v) {
        return v >= 100 ? String.format("%.1f", v) : v >= 1 ? String.format("%.2f", v) : String.format("%.3f", v);
    }
}
