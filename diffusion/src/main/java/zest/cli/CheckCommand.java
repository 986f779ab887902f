package zest.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import zest.diffusion.check.CaseKind;
import zest.diffusion.check.CaseReplayer;
import zest.diffusion.check.Comparison;
import zest.diffusion.model.DevicePlacement;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.engine.Tensor;
import zest.engine.device.Device;
import zest.engine.io.SafetensorsFile;

/** Replays a reference case on a model and reports, per output, the error against the reference. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Replay a reference case file (inputs + expected outputs, settings in its metadata) on a model",
                "and print max-abs / max-relative error per output with PASS/FAIL. Exit code 1 on any FAIL."})
public final class CheckCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "diffusers folder or single-file .safetensors or .ckpt checkpoint")
    Path model;

    @Option(names = "--config", description = "folder with unet/vae/text_encoder config.json for a single-file checkpoint")
    Path config;

    @Option(names = "--case", required = true, description = "case file (.safetensors) in the sd-tiny cases format")
    Path casePath;

    @Option(names = "--kind", description = "clip, unet, unet_grad, vae, scheduler, pipeline or zestguide (default: from the file name)")
    String kind;

    @Option(names = "--device", description = DeviceOption.DESCRIPTION, defaultValue = "cpu")
    String device;

    @Option(names = "--tolerance", description = "maximum relative error (default per kind: 1e-4; scheduler 1e-5; pipeline 1e-3)")
    Double tolerance;

    @Override
    public Integer call() {
        List<Comparison> results = run(model, config, casePath, kind, tolerance, DeviceOption.resolve(device));
        int failed = 0;
        for (Comparison c : results) {
            System.out.println(c.line());
            if (!c.passed()) failed++;
        }
        System.out.printf("%d passed, %d failed%n", results.size() - failed, failed);
        return failed == 0 ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }

    /** Loads the model, replays the case and compares every reference output that the replay produces. */
    public static List<Comparison> run(Path modelPath, Path configDir, Path casePath, String kindName, Double tolerance) {
        return run(modelPath, configDir, casePath, kindName, tolerance, Device.CPU);
    }

    /** As {@link #run(Path, Path, Path, String, Double)} with the model's weights on {@code device}. */
    public static List<Comparison> run(Path modelPath, Path configDir, Path casePath, String kindName, Double tolerance, Device device) {
        if (!java.nio.file.Files.isRegularFile(casePath)) throw new UserError(casePath + ": file not found");
        CaseKind kind;
        try {
            kind = kindName != null ? CaseKind.parse(kindName) : CaseKind.fromFileName(casePath);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (tolerance != null && !(tolerance >= 0 && tolerance < Double.POSITIVE_INFINITY))
            throw new UserError("--tolerance must be a finite number ≥ 0, got " + tolerance);
        double tol = tolerance != null ? tolerance : kind.tolerance();
        SafetensorsFile c = SafetensorsFile.open(casePath);
        DiffusionModel m = ModelLoader.load(modelPath, configDir);
        DevicePlacement.move(m, device);
        Map<String, Tensor> ours;
        try {
            ours = new CaseReplayer(m).replay(kind, c);
        } catch (zest.engine.io.SafetensorsException e) {
            if (!e.getMessage().contains("no such tensor")) throw e;
            throw new UserError("--case " + casePath + " is not a usable " + kind.cliName() + " case (--kind " + kind.cliName()
                    + "): " + e.getMessage());
        }
        List<Comparison> out = new ArrayList<>();
        for (String name : ours.keySet()) {
            if (!c.contains(name)) continue;
            out.add(Comparison.of(name, c.tensor(name), ours.get(name), tol));
        }
        if (out.isEmpty()) throw new UserError(casePath + ": no reference output of a " + kind.cliName() + " case found in it");
        return out;
    }
}
