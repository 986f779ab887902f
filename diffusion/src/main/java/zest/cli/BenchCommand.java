package zest.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import zest.diffusion.bench.BenchRunner;
import zest.diffusion.bench.BenchSettings;
import zest.diffusion.bench.CaseResult;
import zest.diffusion.bench.ChildJvm;
import zest.diffusion.bench.ModelBench;
import zest.diffusion.bench.ModelCase;
import zest.engine.DType;
import zest.engine.cpu.Parallel;

/** {@code zest bench}: kernel and whole-model timings beside PyTorch, with memory peaks. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the kernels, the SD 1.5 UNet and a ZestGuide step against PyTorch CPU.",
                "",
                "Suites: kernels (SGEMM, SD 1.5 matmul, conv2d and self-attention shapes); unet (CFG forward, batch 2); guided (one "
                        + "ZestGuide step: conditional forward + backward to the latent, batch 1, plus the CFG forward). "
                        + "Model cases run at 32×32 and 64×64 latents (256 / 512 px) with random F32 (or --weights f16) weights, each in its "
                        + "own JVM (and Python process) so that its peak RSS is its own.",
                "The table shows times (best of the timed runs), ratio = PyTorch time / our time (> 1: zest faster) "
                        + "and peak memory.",
                "The PyTorch peers need a Python with torch (and numpy for the kernels): --python, $ZEST_BENCH_PYTHON "
                        + "or ./bench-venv/bin/python; without one they are skipped with a note.",
                ""})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--suite", paramLabel = "SUITE", defaultValue = "all",
            description = "kernels, unet, guided, vae (SD 1.5 VAE decode, no peer) or all (default: ${DEFAULT-VALUE}); repeatable or comma-separated", split = ",")
    String[] suites;

    @Option(names = "--quick", description = "only the 32×32-latent (256 px) model cases; fewer kernel repetitions")
    boolean quick;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads for zest and PyTorch (default: all cores)")
    Integer threads;

    @Option(names = "--python", paramLabel = "PATH", description = "Python with torch for the peers (default: $ZEST_BENCH_PYTHON, else ./bench-venv/bin/python)")
    String python;

    @Option(names = "--no-peer", description = "skip the PyTorch peers")
    boolean noPeer;

    @Option(names = "--json", paramLabel = "FILE", description = "also write all results (every run's time, memory figures) as JSON")
    Path json;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "untimed runs per model case part (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--reps", paramLabel = "N", description = "timed runs per model case part, best reported (default: 3 at 32×32, 2 at 64×64)")
    Integer reps;

    @Option(names = "--heap", paramLabel = "SIZE", description = "-Xmx of the model cases' JVMs, e.g. 3500m, to check that a case fits (default: this JVM's settings)")
    String heap;

    @Option(names = "--weights", paramLabel = "DTYPE", defaultValue = "f32",
            description = "our model cases' weights: f32, or f16 (kept 16-bit, as an fp16 checkpoint loads; default: ${DEFAULT-VALUE})")
    String weights;

    @Option(names = "--case", paramLabel = "ID", hidden = true,
            description = "run one model case (unet-32, guided-64, ...) in this JVM and print its result as JSON (what the child JVMs do)")
    String caseId;

    @Override
    public Integer call() throws IOException {
        int n = threads != null ? threads : Parallel.threads();
        if (caseId != null) return runCase(n);
        EnumSet<BenchSettings.Suite> chosen = EnumSet.noneOf(BenchSettings.Suite.class);
        BenchSettings settings;
        try {
            for (String s : suites) chosen.add(BenchSettings.Suite.parse(s));
            settings = new BenchSettings(chosen, quick, n, noPeer ? null : BenchSettings.resolvePython(python),
                    BenchSettings.resolveBenchDir(), warmup, reps, heap, weights);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        Map<String, Object> report = new BenchRunner(settings, System.out, System.err).run();
        if (json != null) {
            BenchRunner.writeJson(report, json);
            System.out.println("results written to " + json);
        }
        return Main.EXIT_OK;
    }

    private int runCase(int n) {
        ModelCase c;
        try {
            c = ModelCase.parse(caseId);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (reps != null && reps < 1) throw new UserError("--reps must be at least 1, got " + reps);
        int r = reps != null ? reps : c.size() <= 32 ? 3 : 2;
        DType dtype = switch (weights.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            default -> throw new UserError("--weights must be f32 or f16, got " + weights);
        };
        CaseResult result = new ModelBench(warmup, r, dtype, System.err).run(c, n);
        System.out.println(ChildJvm.resultLine(result));
        return result.ok() ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }
}
