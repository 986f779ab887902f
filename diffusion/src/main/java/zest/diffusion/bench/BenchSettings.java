package zest.diffusion.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What {@code zest bench} runs.
 *
 * @param suites    kernels, unet, guided, vae
 * @param quick     32×32-latent cases only (and fewer kernel repetitions)
 * @param threads   worker threads for our kernels and for PyTorch
 * @param python    interpreter with torch (and numpy) for the peers, or null to skip them
 * @param benchDir  the folder holding torch_peer.py and torch_unet.py
 * @param warmup    untimed runs before the timed ones
 * @param reps      timed runs per part, or null for the default (3 at 32×32, 2 at 64×64)
 * @param childHeap -Xmx for the child JVMs of the model cases, or null to pass this JVM's heap settings on
 * @param weights   our model cases' weight dtype: f32, or f16 (16-bit storage read by the kernels, as an fp16
 *                  checkpoint loads); the PyTorch peer stays F32
 */
public record BenchSettings(Set<Suite> suites, boolean quick, int threads, String python, Path benchDir, int warmup,
                            Integer reps, String childHeap, String weights) {
    public static final String PYTHON_ENV = "ZEST_BENCH_PYTHON";

    public enum Suite {
        KERNELS, UNET, GUIDED, VAE, ALL;

        public static Suite parse(String s) {
            try {
                return valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown bench suite '" + s + "' (use kernels, unet, guided, vae or all)");
            }
        }
    }

    public BenchSettings {
        suites = suites.contains(Suite.ALL) ? EnumSet.of(Suite.KERNELS, Suite.UNET, Suite.GUIDED, Suite.VAE) : EnumSet.copyOf(suites);
        if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be at least 0, got " + warmup);
        if (reps != null && reps < 1) throw new IllegalArgumentException("--reps must be at least 1, got " + reps);
        weights = weights.strip().toLowerCase(Locale.ROOT);
        if (!weights.equals("f32") && !weights.equals("f16")) throw new IllegalArgumentException("--weights must be f32 or f16, got " + weights);
    }

    /** The model cases in run order: all 32×32 cases first (so a run cut short still has them), then 64×64. */
    public List<ModelCase> modelCases() {
        List<Integer> sizes = quick ? List.of(32) : List.of(32, 64);
        List<ModelCase> out = new java.util.ArrayList<>();
        for (int s : sizes) {
            if (suites.contains(Suite.UNET)) out.add(new ModelCase(ModelCase.Kind.UNET, s));
            if (suites.contains(Suite.GUIDED)) out.add(new ModelCase(ModelCase.Kind.GUIDED, s));
            if (suites.contains(Suite.VAE)) out.add(new ModelCase(ModelCase.Kind.VAE, s));
        }
        return out;
    }

    public int repsFor(ModelCase c) {
        return reps != null ? reps : c.size() <= 32 ? 3 : 2;
    }

    /**
     * The Python to use: the given one, else $ZEST_BENCH_PYTHON, else ./bench-venv/bin/python when it exists;
     * null when none.
     */
    public static String resolvePython(String given) {
        if (given != null && !given.isBlank()) return given;
        String env = System.getenv(PYTHON_ENV);
        if (env != null && !env.isBlank()) return env;
        Path venv = Path.of("bench-venv", "bin", "python");
        return Files.isExecutable(venv) ? venv.toString() : null;
    }

    /**
     * The folder with the peer scripts: ./bench when it holds them, else the bench folder of the checkout the
     * running jar was built in (the jar lives in {@code <root>/diffusion/target/zest.jar}).
     */
    public static Path resolveBenchDir() {
        Path here = Path.of("bench");
        if (Files.isRegularFile(here.resolve("torch_unet.py"))) return here;
        try {
            Path jar = Path.of(BenchSettings.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = jar.getParent() == null ? null : jar.getParent().getParent() == null ? null : jar.getParent().getParent().getParent();
            if (root != null && Files.isRegularFile(root.resolve("bench").resolve("torch_unet.py"))) return root.resolve("bench");
        } catch (Exception ignored) {
            // no code source: fall back to ./bench
        }
        return here;
    }
}
