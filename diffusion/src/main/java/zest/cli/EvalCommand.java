package zest.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.toy.ToyEvaluation;
import zest.diffusion.zestguide.LayerSelection;
import zest.engine.cpu.Parallel;

/** Layout-guidance evaluation on the toy world, where the truth is known. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate held-out toy scenes from caption + layout under each guidance mode, segment the images by the",
                "world's known colors, and report mIoU over the conditioned segments, caption consistency and time per image."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a toy model folder (from zest train-toy)") Path model;
    @Option(names = {"-n", "--scenes"}, description = "held-out scenes (default ${DEFAULT-VALUE})", defaultValue = "20") int scenes;
    @Option(names = "--modes", description = "comma-separated guidance modes (default ${DEFAULT-VALUE})", defaultValue = "none,zest,pww,zest+pww,multidiffusion") String modes;
    @Option(names = "--steps", description = "denoising steps (default ${DEFAULT-VALUE})", defaultValue = "25") int steps;
    @Option(names = "--cfg", description = "classifier-free guidance scale (default ${DEFAULT-VALUE})", defaultValue = "3") float cfg;
    @Option(names = "--eta", description = "ZestGuide η (default ${DEFAULT-VALUE})", defaultValue = "0.3") float eta;
    @Option(names = "--tau", description = "guided fraction of steps (default ${DEFAULT-VALUE})", defaultValue = "0.5") float tau;
    @Option(names = "--layers", description = "attention layers (default " + LayerSelection.DEFAULT + ")") String layers;
    @Option(names = "--pww-weight", description = "Paint-with-Words weight (default ${DEFAULT-VALUE})", defaultValue = "0.4") float pwwWeight;
    @Option(names = {"-s", "--seed"}, description = "seed of scene 0 (scene i uses seed+i; default ${DEFAULT-VALUE})", defaultValue = "0") long seed;
    @Option(names = "--threads", description = "CPU threads (default: all cores)") Integer threads;

    @Override
    public Integer call() {
        if (threads != null) Parallel.setThreads(threads);
        if (!Files.isDirectory(model)) throw new UserError(model + ": model folder not found");
        List<GuidanceMode> list = new ArrayList<>();
        try {
            for (String m : modes.split(",")) if (!m.isBlank()) list.add(GuidanceMode.parse(m.strip()));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        DiffusionModel m = ModelLoader.load(model, null);
        GenerationSettings base;
        ToyEvaluation eval;
        try {
            base = new GenerationSettings("", "", 8, 8, steps, cfg, null, 0f, seed, 1, GuidanceMode.NONE, eta, tau,
                    layers, "sqrt", pwwWeight);
            eval = new ToyEvaluation(m);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        System.err.printf("zest: %d held-out scenes, %d steps, CFG %s, η %s, τ %s, layers %s, PwW w %s%n", scenes, steps, cfg, eta, tau,
                base.layers(), pwwWeight);
        Map<GuidanceMode, ToyEvaluation.ModeResult> results = eval.run(scenes, list, base, seed);
        System.out.printf("%-15s %7s %13s %12s %10s%n", "guidance", "mIoU", "object recall", "exact colors", "s/image");
        for (ToyEvaluation.ModeResult r : results.values())
            System.out.printf("%-15s %7.3f %13.3f %12.3f %10.2f%n", r.mode().cliName(), r.mIoU(), r.objectRecall(), r.exactColorRate(),
                    r.secondsPerImage());
        return Main.EXIT_OK;
    }
}
