package zest.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import zest.diffusion.io.HeatMaps;
import zest.diffusion.io.PngFiles;
import zest.diffusion.io.RunRecord;
import zest.diffusion.layout.Layout;
import zest.diffusion.layout.LayoutException;
import zest.diffusion.layout.LayoutReader;
import zest.diffusion.model.BuiltinModel;
import zest.diffusion.toy.ToyDefaults;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.pipeline.GenerationResult;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.pipeline.StableDiffusionPipeline;
import zest.diffusion.pipeline.TerminalProgress;
import zest.diffusion.schedulers.Schedulers;
import zest.diffusion.zestguide.LayerSelection;
import zest.engine.Tensor;

/** Text-to-image, optionally steered by a layout (ZestGuide, Paint-with-Words, both, or regional prompts). */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate an image from a prompt, optionally laid out by painted segments.",
                "Layouts: --layout map.png --labels labels.json (colors → texts), or --segment mask.png=text (repeatable)."})
public final class GenerateCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "diffusers folder, or single-file .safetensors or .ckpt checkpoint (default: the built-in toy model, " + BuiltinModel.NAME + ")") Path model;
    @Option(names = "--config", description = "config folder for a single-file checkpoint") Path config;
    @Option(names = {"-p", "--prompt"}, description = "the prompt") String prompt;
    @Option(names = {"-n", "--negative-prompt"}, description = "negative prompt (default empty)") String negative;
    @Option(names = "--layout", description = "color-coded layout PNG") Path layoutPng;
    @Option(names = "--labels", description = "JSON object mapping \"#rrggbb\" colors to segment texts") Path labels;
    @Option(names = "--segment", description = "one segment as MASK.png=text (white = inside); repeatable") List<String> segments;
    @Option(names = "--guidance", description = "none, zest, pww, zest+pww, multidiffusion (default: zest with a layout, else none)") String guidance;
    @Option(names = "--eta", description = "ZestGuide learning rate η (default ${DEFAULT-VALUE}; " + ToyDefaults.ETA + " for the built-in model)", defaultValue = "0.3") float eta;
    @Option(names = "--tau", description = "fraction of steps guided (default ${DEFAULT-VALUE})", defaultValue = "0.5") float tau;
    @Option(names = "--layers", description = "attention layers ZestGuide reads: resolutions (16,32), down16/up32, or module paths (default " + LayerSelection.DEFAULT + ")") String layers;
    @Option(names = "--lambda", description = "λ(t) schedule: sqrt (√(1−ᾱ_t)) or linear (default ${DEFAULT-VALUE})", defaultValue = "sqrt") String lambda;
    @Option(names = "--pww-weight", description = "Paint-with-Words weight w (default ${DEFAULT-VALUE})", defaultValue = "0.4") float pwwWeight;
    @Option(names = "--steps", description = "denoising steps (default ${DEFAULT-VALUE}; " + ToyDefaults.STEPS + " for the built-in model)", defaultValue = "50") int steps;
    @Option(names = "--cfg", description = "classifier-free guidance scale (default ${DEFAULT-VALUE}; " + ToyDefaults.CFG + " for the built-in model; 1 skips the unconditional pass)", defaultValue = "7.5") float cfg;
    @Option(names = "--sampler", description = "ddim, pndm, euler, dpmpp2m (default ddim)", defaultValue = "ddim") String sampler;
    @Option(names = "--sampler-eta", description = "DDIM η (default ${DEFAULT-VALUE})", defaultValue = "0") float samplerEta;
    @Option(names = {"-s", "--seed"}, description = "seed (default: random, printed and stored in the image)") Long seed;
    @Option(names = {"-W", "--width"}, description = "width in pixels, a multiple of 8 (default: the layout's, else the model's native size: 512 for SD 1.x)") Integer width;
    @Option(names = {"-H", "--height"}, description = "height in pixels, a multiple of 8 (default: the layout's, else the model's native size: 512 for SD 1.x)") Integer height;
    @Option(names = "--batch", description = "images per run (default ${DEFAULT-VALUE})", defaultValue = "1") int batch;
    @Option(names = {"-o", "--output"}, description = "output PNG (default zest-SEED.png; batches add -1, -2, ...)") Path output;
    @Option(names = "--save-attention", description = "folder for per-segment attention heat maps") Path attentionDir;
    @Option(names = "--from", description = "re-run the settings stored in a PNG made by zest (options given here override them)") Path from;
    @Option(names = "--overwrite", description = "replace existing output files") boolean overwrite;
    @Option(names = "--threads", description = "CPU threads (default: all cores)") Integer threads;
    @Option(names = "--device", description = DeviceOption.DESCRIPTION, defaultValue = "cpu") String device;

    /** The built-in toy model gets its own step count, CFG scale and η unless they are given (README, evaluation). */
    private boolean toyDefaults;

    @Override
    public Integer call() throws IOException {
        Main.setThreads(threads);
        // a size given on the command line is checked before the model loads (seconds to minutes for SD)
        if (width != null || height != null) checkSize(width != null ? width : 8, height != null ? height : 8);
        RunRecord.Run stored = from != null ? readStored(from) : null;
        Layout layout = readLayout(stored);
        Path modelArg = model != null ? model : stored != null && stored.model() != null ? Path.of(stored.model()) : null;
        boolean builtin = BuiltinModel.isBuiltin(modelArg);
        Path modelPath = builtin ? builtinFolder() : modelArg;
        if (!Files.exists(modelPath)) throw new UserError(modelPath + ": model file or folder not found");
        DiffusionModel m = ModelLoader.load(modelPath, config);
        zest.diffusion.model.DevicePlacement.move(m, DeviceOption.resolve(device));
        String modelName = builtin ? BuiltinModel.NAME : modelPath.getFileName().toString();
        String modelRecord = builtin ? BuiltinModel.NAME : modelPath.toAbsolutePath().toString();
        toyDefaults = builtin;
        GenerationSettings s = settings(stored, layout, nativeSize(m));

        List<Path> outputs = outputPaths(s);
        for (Path p : outputs)
            if (!overwrite && Files.exists(p)) throw new UserError(p + " exists (use --overwrite to replace it)");
        if (attentionDir != null && layout != null && !overwrite) {
            List<Path> maps = HeatMaps.existingMaps(attentionDir);
            if (!maps.isEmpty())
                throw new UserError(attentionDir + " already holds attention maps (" + maps.getFirst().getFileName()
                        + (maps.size() > 1 ? " and " + (maps.size() - 1) + " more" : "") + "): use --overwrite to replace them, or another folder");
        }

        StableDiffusionPipeline pipe = new StableDiffusionPipeline(m).recordMaps(attentionDir != null);
        System.err.printf("zest: %dx%d, %d steps, %s, CFG %s, seed %d, guidance %s%n", s.width(), s.height(), s.steps(),
                s.sampler(), s.cfgScale(), s.seed(), s.guidance().cliName());
        GenerationResult r;
        try {
            r = pipe.generate(s, layout, new TerminalProgress(System.err, "zest"));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e); // settings the pipeline rejects: segment tokens, layer selection, sizes
        }
        if (!r.prompt().equals(s.prompt())) System.err.println("zest: prompt used: " + r.prompt());

        Map<String, String> text = new LinkedHashMap<>();
        text.put(RunRecord.A1111_CHUNK, RunRecord.a1111Parameters(s, modelName));
        text.put(RunRecord.CHUNK, RunRecord.toJson(s, layout, modelRecord));
        for (int b = 0; b < outputs.size(); b++) {
            Tensor img = r.images().select(0, b).contiguous();
            byte[] png = PngFiles.encodeRgb(PngFiles.toBytes(img.floats()), s.width(), s.height(), text);
            try {
                PngFiles.writeAtomically(outputs.get(b), png, overwrite);
            } catch (FileAlreadyExistsException e) {
                throw new UserError(e.getFile() + " exists (use --overwrite to replace it)");
            }
            System.out.println(outputs.get(b));
            if (attentionDir != null && layout != null) {
                Path dir = outputs.size() == 1 ? attentionDir : attentionDir.resolve("image" + b);
                List<Path> maps = HeatMaps.writeSegmentMaps(dir, r.segmentMaps(), layout.texts(), b, s.width(), s.height(), overwrite);
                System.err.println("zest: " + maps.size() + " attention maps in " + dir);
            }
        }
        if (!r.losses().isEmpty())
            System.err.printf("zest: ZestGuide loss %.4f → %.4f over %d guided steps%n", r.losses().getFirst(), r.losses().getLast(), r.losses().size());
        return Main.EXIT_OK;
    }

    /** The built-in model's folder, or a clear error when this build does not carry it. */
    static Path builtinFolder() {
        try {
            return BuiltinModel.folder();
        } catch (zest.nn.ConfigException e) {
            throw new UserError(e.getMessage());
        }
    }

    private RunRecord.Run readStored(Path png) {
        try {
            String json = PngFiles.readText(png).get(RunRecord.CHUNK);
            if (json == null) throw new UserError(png + ": no zest settings in this PNG (was it made by zest generate?)");
            return RunRecord.fromJson(json);
        } catch (IOException e) {
            throw new UserError(png + ": cannot read: " + e.getMessage());
        } catch (LayoutException e) {
            throw new UserError(png + ": " + e.getMessage());
        }
    }

    private Layout readLayout(RunRecord.Run stored) {
        try {
            if (layoutPng != null || labels != null) {
                if (layoutPng == null || labels == null) throw new UserError("--layout and --labels go together");
                if (segments != null) throw new UserError("give either --layout/--labels or --segment, not both");
                return LayoutReader.fromColorMap(layoutPng, labels);
            }
            if (segments != null) return LayoutReader.fromSegmentFiles(segments);
        } catch (LayoutException e) {
            throw new UserError(e.getMessage());
        }
        return stored != null ? stored.layout() : null;
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private static void checkSize(int w, int h) {
        if (w % 8 != 0 || h % 8 != 0 || w <= 0 || h <= 0 || w > GenerationSettings.MAX_SIZE || h > GenerationSettings.MAX_SIZE)
            throw new UserError("width and height must be positive multiples of 8 up to " + GenerationSettings.MAX_SIZE + ", got " + w + "x" + h);
    }

    private GenerationSettings settings(RunRecord.Run stored, Layout layout, int nativeSize) {
        GenerationSettings base = stored != null ? stored.settings() : null;
        String p = prompt != null ? prompt : base != null ? base.prompt() : null;
        if (p == null) throw new UserError("no prompt: give -p \"...\" (or --from an image made by zest)");
        int w = width != null ? width : base != null && layout == null ? base.width() : layout != null ? layout.width() : nativeSize;
        int h = height != null ? height : base != null && layout == null ? base.height() : layout != null ? layout.height() : nativeSize;
        checkSize(w, h);
        if (layout != null && (layout.width() != w || layout.height() != h))
            throw new UserError("the layout is " + layout.width() + "x" + layout.height() + " but the image is " + w + "x" + h
                    + ": masks must have the image's size (or leave out -W/-H)");
        GuidanceMode mode;
        try {
            mode = guidance != null ? GuidanceMode.parse(guidance) : base != null ? base.guidance()
                    : layout != null ? GuidanceMode.ZEST : GuidanceMode.NONE;
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (mode != GuidanceMode.NONE && layout == null)
            throw new UserError("--guidance " + mode.cliName() + " needs a layout: --layout map.png --labels labels.json, or --segment mask.png=text");
        String samplerName = given("--sampler") || base == null ? sampler : base.sampler();
        if (samplerName != null && !Schedulers.SAMPLER_NAMES.contains(samplerName))
            throw new UserError("unknown sampler '" + samplerName + "': use " + String.join(", ", Schedulers.SAMPLER_NAMES));
        long sd = seed != null ? seed : base != null ? base.seed() : new java.security.SecureRandom().nextLong() & 0xFFFFFFFFL;
        try {
            return new GenerationSettings(p,
                    negative != null ? negative : base != null ? base.negativePrompt() : "",
                    w, h,
                    given("--steps") ? steps : base != null ? base.steps() : toyDefaults ? ToyDefaults.STEPS : steps,
                    given("--cfg") ? cfg : base != null ? base.cfgScale() : toyDefaults ? ToyDefaults.CFG : cfg,
                    samplerName,
                    given("--sampler-eta") || base == null ? samplerEta : base.samplerEta(),
                    sd,
                    given("--batch") || base == null ? batch : base.batch(),
                    mode,
                    given("--eta") ? eta : base != null ? base.zestEta() : toyDefaults ? ToyDefaults.ETA : eta,
                    given("--tau") || base == null ? tau : base.tau(),
                    layers != null ? layers : base != null ? base.layers() : LayerSelection.DEFAULT,
                    given("--lambda") || base == null ? lambda : base.lambdaSchedule(),
                    given("--pww-weight") || base == null ? pwwWeight : base.pwwWeight());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** The image size the model was trained at: UNet sample_size × the VAE's downscale (512 for SD 1.x). */
    static int nativeSize(DiffusionModel m) {
        Integer sample = m.unet().config.sampleSize();
        return sample == null || sample <= 0 ? 512 : sample * m.downscale();
    }

    private List<Path> outputPaths(GenerationSettings s) {
        Path first = output != null ? output : Path.of("zest-" + s.seed() + ".png");
        List<Path> out = new ArrayList<>();
        if (s.batch() == 1) {
            out.add(first);
            return out;
        }
        String name = first.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name, ext = dot > 0 ? name.substring(dot) : ".png";
        for (int b = 0; b < s.batch(); b++) out.add(first.resolveSibling(stem + "-" + (b + 1) + ext));
        return out;
    }
}
