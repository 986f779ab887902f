package zest.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import zest.diffusion.io.PngFiles;
import zest.diffusion.model.BuiltinModel;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.toy.ToyDefaults;
import zest.diffusion.toy.ToyEvaluation;
import zest.diffusion.toy.ToySweep;
import zest.diffusion.zestguide.LayerSelection;

/** Layout-guidance evaluation on the toy world, where the truth is known. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate held-out toy scenes from caption + layout under each guidance mode, segment the images by the",
                "world's known colors, and report mIoU over the conditioned segments (per color class, accumulated over the set),",
                "caption consistency (object recall, exact colors) and time per image. --sweep varies one knob."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", description = "a toy model folder (from zest train-toy; default: the built-in model)") Path model;
    @Option(names = {"-n", "--scenes"}, description = "held-out scenes (default ${DEFAULT-VALUE})", defaultValue = "20") int scenes;
    @Option(names = "--modes", description = "comma-separated guidance modes (default ${DEFAULT-VALUE})", defaultValue = "none,zest,pww,zest+pww,multidiffusion") String modes;
    @Option(names = "--steps", description = "denoising steps (default ${DEFAULT-VALUE})", defaultValue = "" + ToyDefaults.STEPS) int steps;
    @Option(names = "--cfg", description = "classifier-free guidance scale (default ${DEFAULT-VALUE})", defaultValue = "" + ToyDefaults.CFG) float cfg;
    @Option(names = "--eta", description = "ZestGuide η (default ${DEFAULT-VALUE})", defaultValue = "" + ToyDefaults.ETA) float eta;
    @Option(names = "--tau", description = "guided fraction of steps (default ${DEFAULT-VALUE})", defaultValue = "" + ToyDefaults.TAU) float tau;
    @Option(names = "--layers", description = "attention layers (default " + LayerSelection.DEFAULT + ")") String layers;
    @Option(names = "--pww-weight", description = "Paint-with-Words weight (default ${DEFAULT-VALUE})", defaultValue = "0.4") float pwwWeight;
    @Option(names = "--sweep", paramLabel = "NAME=V1,V2,...", description = {"vary one knob: tau=0.2,0.5,1  eta=0.1,0.3,1  "
            + "pww-weight=0.2,0.4,1  layers=down16;up16,up32 (selections separated by ';');",
            "runs the mode the knob belongs to (zest, or pww for pww-weight) at each value; repeatable"}) List<String> sweeps;
    @Option(names = {"-s", "--seed"}, description = "seed of scene 0 (scene i uses seed+i; default ${DEFAULT-VALUE})", defaultValue = "0") long seed;
    @Option(names = "--json", description = "also write every figure as JSON to this file") Path json;
    @Option(names = "--overwrite", description = "replace an existing --json file") boolean overwrite;
    @Option(names = "--threads", description = "CPU threads (default: all cores)") Integer threads;

    @Override
    public Integer call() throws IOException {
        Main.setThreads(threads);
        if (scenes < 1 || scenes > 10_000) throw new UserError("--scenes must be in 1..10000, got " + scenes);
        if (json != null && !overwrite && Files.exists(json)) throw new UserError(json + " exists (use --overwrite to replace it)");
        boolean builtin = BuiltinModel.isBuiltin(model);
        Path modelPath = builtin ? GenerateCommand.builtinFolder() : model;
        if (!Files.isDirectory(modelPath)) throw new UserError(modelPath + ": model folder not found");
        List<GuidanceMode> list = new ArrayList<>();
        List<ToySweep> sweepList = new ArrayList<>();
        GenerationSettings base;
        ToyEvaluation eval;
        try {
            for (String m : modes.split(",")) if (!m.isBlank()) list.add(GuidanceMode.parse(m.strip()));
            if (sweeps != null) for (String s : sweeps) sweepList.add(ToySweep.parse(s));
            base = new GenerationSettings("", "", 8, 8, steps, cfg, null, 0f, seed, 1, GuidanceMode.NONE, eta, tau,
                    layers, "sqrt", pwwWeight);
            eval = new ToyEvaluation(ModelLoader.load(modelPath, null));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        System.err.printf("zest: %s, %d held-out scenes, %d steps, CFG %s, η %s, τ %s, layers %s, PwW w %s%n",
                builtin ? BuiltinModel.NAME : modelPath, scenes, steps, cfg, eta, tau, base.layers(), pwwWeight);

        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode out = om.createObjectNode();
        out.put("model", builtin ? BuiltinModel.NAME : modelPath.toString());
        out.put("scenes", scenes).put("seed", seed).put("steps", steps).put("cfg", cfg).put("eta", eta).put("tau", tau)
                .put("layers", base.layers()).put("pww_weight", pwwWeight);
        if (!list.isEmpty()) {
            Map<GuidanceMode, ToyEvaluation.ModeResult> results = eval.run(scenes, list, base, seed);
            header("guidance");
            ArrayNode rows = out.putArray("modes");
            for (ToyEvaluation.ModeResult r : results.values()) {
                row(r.mode().cliName(), r);
                rows.add(json(om, r).put("mode", r.mode().cliName()));
            }
        }
        ArrayNode sweepNodes = out.putArray("sweeps");
        for (ToySweep sweep : sweepList) {
            System.out.println();
            header(sweep.knob().cliName + " (" + sweep.knob().mode().cliName() + ")");
            ObjectNode sn = sweepNodes.addObject().put("parameter", sweep.knob().cliName).put("mode", sweep.knob().mode().cliName());
            ArrayNode rows = sn.putArray("rows");
            for (String v : sweep.values()) {
                ToyEvaluation.ModeResult r = eval.run(scenes, List.of(sweep.knob().mode()), sweep.apply(base, v), seed)
                        .get(sweep.knob().mode());
                row(v, r);
                rows.add(json(om, r).put("value", v));
            }
        }
        if (json != null) {
            try {
                PngFiles.writeAtomically(json, om.writeValueAsString(out).getBytes(StandardCharsets.UTF_8), overwrite);
            } catch (FileAlreadyExistsException e) {
                throw new UserError(json + " exists (use --overwrite to replace it)");
            }
            System.err.println("zest: results in " + json);
        }
        return Main.EXIT_OK;
    }

    private static void header(String first) {
        System.out.printf("%-22s %7s %13s %12s %10s%n", first, "mIoU", "object recall", "exact colors", "s/image");
    }

    private static void row(String first, ToyEvaluation.ModeResult r) {
        System.out.printf("%-22s %7.3f %13.3f %12.3f %10.2f%n", first, r.mIoU(), r.objectRecall(), r.exactColorRate(), r.secondsPerImage());
    }

    private static ObjectNode json(ObjectMapper om, ToyEvaluation.ModeResult r) {
        return om.createObjectNode().put("miou", r.mIoU()).put("object_recall", r.objectRecall())
                .put("exact_colors", r.exactColorRate()).put("seconds_per_image", r.secondsPerImage());
    }
}
