package zest.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import zest.diffusion.model.BuiltinModel;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.toy.ToyDefaults;
import zest.diffusion.toy.ToyDemo;
import zest.diffusion.toy.ToyScore;

/** Layout guidance in one command, on the built-in model. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Render one layout-guided image (ZestGuide), its unguided twin from the same noise, and the per-segment",
                "attention maps of both, into a folder. Runs on the built-in toy model in seconds."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = {"-o", "--out"}, description = "output folder (default ${DEFAULT-VALUE})", defaultValue = "zest-demo") Path out;
    @Option(names = "--model", description = "a pixel-space toy model folder (default: the built-in model)") Path model;
    @Option(names = {"-s", "--seed"}, description = "noise seed (default ${DEFAULT-VALUE})", defaultValue = "" + ToyDefaults.DEMO_SEED) long seed;
    @Option(names = "--steps", description = "denoising steps (default ${DEFAULT-VALUE})", defaultValue = "" + ToyDefaults.STEPS) int steps;
    @Option(names = "--eta", description = "ZestGuide η (default ${DEFAULT-VALUE})", defaultValue = "" + ToyDefaults.ETA) float eta;
    @Option(names = "--tau", description = "guided fraction of the steps (default ${DEFAULT-VALUE})", defaultValue = "" + ToyDefaults.TAU) float tau;
    @Option(names = "--overwrite", description = "replace files of an earlier demo in the folder") boolean overwrite;
    @Option(names = "--threads", description = "CPU threads (default: all cores)") Integer threads;

    @Override
    public Integer call() throws IOException {
        Main.setThreads(threads);
        if (!overwrite)
            for (Path f : ToyDemo.mainFiles(out)) if (Files.exists(f)) throw new UserError(f + " exists (use --overwrite to replace it, or another --out)");
        boolean builtin = BuiltinModel.isBuiltin(model);
        Path modelPath = builtin ? GenerateCommand.builtinFolder() : model;
        if (!Files.isDirectory(modelPath)) throw new UserError(modelPath + ": model folder not found");
        ToyDemo demo;
        GenerationSettings base;
        try {
            DiffusionModel m = ModelLoader.load(modelPath, null);
            demo = new ToyDemo(m);
            base = new GenerationSettings("", "", 8, 8, steps, ToyDefaults.CFG, null, 0f, seed, 1, GuidanceMode.ZEST, eta, tau,
                    null, "sqrt", GenerationSettings.DEFAULT_PWW_WEIGHT);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        System.err.printf("zest: demo on %s: \"%s\", seed %d, %d steps, η %s, τ %s%n", builtin ? BuiltinModel.NAME : modelPath,
                demo.scene().caption(), seed, steps, eta, tau);
        ToyDemo.Outcome o = demo.run(base);
        List<Path> files;
        try {
            files = demo.write(o, out, overwrite);
        } catch (FileAlreadyExistsException e) {
            throw new UserError(e.getFile() + " exists (use --overwrite to replace it, or another --out)");
        }
        System.out.printf("layout IoU per segment (pixels of the segment's color inside its mask / either):%n");
        List<String> texts = demo.scene().objects().stream().map(x -> x.phrase()).toList();
        for (int k = 0; k < texts.size(); k++)
            System.out.printf("  %-16s unguided %.2f   ZestGuide %.2f%n", texts.get(k), o.unguidedScore().ious().get(k), o.guidedScore().ious().get(k));
        System.out.printf("  %-16s unguided %.2f   ZestGuide %.2f%n", "mean", o.unguidedScore().meanIou(), o.guidedScore().meanIou());
        if (!o.guided().losses().isEmpty())
            System.out.printf("ZestGuide loss %.3f → %.3f over %d guided steps; both images in %.1f s%n", o.guided().losses().getFirst(),
                    o.guided().losses().getLast(), o.guided().losses().size(), o.seconds());
        System.out.printf("%d files in %s; start with %s%n", files.size(), out, ToyDemo.mainFiles(out).getFirst());
        return Main.EXIT_OK;
    }
}
