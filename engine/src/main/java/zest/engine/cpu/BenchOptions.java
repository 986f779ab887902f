package zest.engine.cpu;

import java.nio.file.Path;

/**
 * Settings for {@link KernelBench}.
 *
 * @param threads worker threads for our kernels and for the peer libraries
 * @param warmup  untimed runs per case (JIT compilation, page faults)
 * @param reps    timed runs per case; best and median are reported (halved for the ~1 s VAE cases)
 * @param only    run only cases whose id contains this text; null for all
 * @param python  Python interpreter with torch and numpy for the peer timings; null skips the peer
 * @param peerScript the peer script (bench/torch_peer.py)
 */
public record BenchOptions(int threads, int warmup, int reps, String only, String python, Path peerScript) {
    public static final String PYTHON_ENV = "ZEST_BENCH_PYTHON";

    public static BenchOptions defaults() {
        return new BenchOptions(Parallel.threads(), 3, 7, null, System.getenv(PYTHON_ENV), Path.of("bench", "torch_peer.py"));
    }

    /** Parses --threads N --warmup N --reps N --only TEXT --python PATH --peer-script PATH --no-peer. */
    public static BenchOptions parse(String[] args) {
        BenchOptions o = defaults();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--threads" -> o = new BenchOptions(Integer.parseInt(args[++i]), o.warmup, o.reps, o.only, o.python, o.peerScript);
                case "--warmup" -> o = new BenchOptions(o.threads, Integer.parseInt(args[++i]), o.reps, o.only, o.python, o.peerScript);
                case "--reps" -> o = new BenchOptions(o.threads, o.warmup, Integer.parseInt(args[++i]), o.only, o.python, o.peerScript);
                case "--only" -> o = new BenchOptions(o.threads, o.warmup, o.reps, args[++i], o.python, o.peerScript);
                case "--python" -> o = new BenchOptions(o.threads, o.warmup, o.reps, o.only, args[++i], o.peerScript);
                case "--peer-script" -> o = new BenchOptions(o.threads, o.warmup, o.reps, o.only, o.python, Path.of(args[++i]));
                case "--no-peer" -> o = new BenchOptions(o.threads, o.warmup, o.reps, o.only, null, o.peerScript);
                default -> throw new IllegalArgumentException("unknown option " + a
                        + " (use --threads N --warmup N --reps N --only TEXT --python PATH --peer-script PATH --no-peer)");
            }
        }
        if (o.threads < 1 || o.warmup < 0 || o.reps < 1) throw new IllegalArgumentException("bad counts: " + o);
        return o;
    }
}
