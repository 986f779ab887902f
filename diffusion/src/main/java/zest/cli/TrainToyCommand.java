package zest.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import zest.diffusion.toy.LossLog;
import zest.diffusion.toy.ToyModelExport;
import zest.diffusion.toy.TrainCheckpoint;
import zest.diffusion.toy.TrainSettings;
import zest.diffusion.toy.Trainer;

/** Trains the toy text-to-image model on the procedural world, resumably, and checks a run reproduces. */
@Command(name = "train-toy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train zest's small pixel-space text-to-image model (SD classes: UNet2DConditionModel + CLIPTextModel) "
                + "on procedurally generated scenes, with zest's own autograd.",
                "Writes a diffusers folder (no VAE) to --out, with checkpoint.safetensors for --resume."})
public final class TrainToyCommand implements Callable<Integer> {
    @Option(names = "--out", description = "output folder (default ${DEFAULT-VALUE})", defaultValue = "out/toy-model") Path out;
    @Option(names = "--steps", description = "optimizer steps (default 6000)") Integer steps;
    @Option(names = "--batch", description = "scenes per step (default 16)") Integer batch;
    @Option(names = "--lr", description = "peak learning rate (default 5e-4)") Double lr;
    @Option(names = "--warmup", description = "warm-up steps (default 200)") Integer warmup;
    @Option(names = "--seed", description = "run seed (default 20260101)") Long seed;
    @Option(names = "--threads", description = "CPU threads; part of the run's identity (default 2)") Integer threads;
    @Option(names = "--model", description = "architecture: standard or tiny (default standard)") String model;
    @Option(names = "--checkpoint-every", description = "steps between checkpoints + exports (default ${DEFAULT-VALUE})", defaultValue = "100") int checkpointEvery;
    @Option(names = "--resume", description = "continue from OUT/checkpoint.safetensors") boolean resume;
    @Option(names = "--verify", description = "re-run the first steps of the run recorded in OUT/training.json and compare the losses exactly") boolean verify;
    @Option(names = "--verify-steps", description = "how many steps --verify re-runs (default ${DEFAULT-VALUE})", defaultValue = "10") int verifySteps;

    @Override
    public Integer call() throws IOException {
        if (verify) return verify();
        Path ckpt = out.resolve(TrainCheckpoint.FILE_NAME);
        Trainer t;
        if (resume) {
            if (!Files.isRegularFile(ckpt)) throw new UserError(ckpt + ": no checkpoint to resume from");
            if (steps != null || batch != null || lr != null || warmup != null || seed != null || threads != null || model != null)
                System.err.println("zest: --resume continues with the checkpoint's settings; the options given are ignored");
            t = TrainCheckpoint.load(ckpt);
            System.err.printf("zest: resumed at step %d of %d%n", t.step(), t.settings().steps());
        } else {
            if (Files.exists(ckpt)) throw new UserError(ckpt + " exists: use --resume to continue that run, or another --out");
            t = new Trainer(settings());
        }
        Files.createDirectories(out);
        TrainSettings s = t.settings();
        System.err.printf("zest: training %s on %d threads: %d steps × %d scenes, lr %.1e, seed %d → %s%n",
                s.architecture().describe(), s.threads(), s.steps(), s.batch(), s.lr(), s.seed(), out);
        long start = System.nanoTime(), firstStep = t.step();
        long lastPrint = 0;
        double avg = Double.NaN;
        while (!t.finished()) {
            float loss = t.trainStep();
            avg = Double.isNaN(avg) ? loss : 0.98 * avg + 0.02 * loss;
            long now = System.nanoTime();
            boolean save = t.step() % checkpointEvery == 0 || t.finished();
            if (now - lastPrint > 10e9 || save || t.step() - firstStep <= 3) {
                lastPrint = now;
                double secs = (now - start) / 1e9, rate = (t.step() - firstStep) / secs;
                long eta = Math.round((s.steps() - t.step()) / rate);
                System.err.printf("step %d/%d  loss %.4f  avg %.4f  lr %.2e  |g| %.2f  %.2f it/s  %.1f img/s  ETA %dh%02dm%02ds%n",
                        t.step(), s.steps(), loss, avg, s.schedule().at(t.step() - 1), t.lastGradNorm(), rate, rate * s.batch(),
                        eta / 3600, eta / 60 % 60, eta % 60);
            }
            if (save) {
                TrainCheckpoint.save(t, ckpt);
                ToyModelExport.write(t, out);
            }
        }
        System.out.println(out);
        return Main.EXIT_OK;
    }

    private TrainSettings settings() {
        TrainSettings d = TrainSettings.defaults();
        try {
            return new TrainSettings(model != null ? model : d.model(), steps != null ? steps : d.steps(), batch != null ? batch : d.batch(),
                    lr != null ? lr : d.lr(), warmup != null ? warmup : d.warmup(), d.lrFloor(), d.weightDecay(), d.clipNorm(),
                    d.emaDecay(), d.captionDropout(), seed != null ? seed : d.seed(), threads != null ? threads : d.threads());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** Re-runs the first steps from the recorded settings; exact equality, since the thread count is part of them. */
    private int verify() throws IOException {
        Path record = out.resolve(ToyModelExport.TRAINING_JSON);
        if (!Files.isRegularFile(record)) throw new UserError(record + ": no training record to verify against");
        JsonNode n = new ObjectMapper().readTree(Files.readString(record));
        TrainSettings s = TrainSettings.fromJson(n.get("settings"));
        List<Float> recorded = LossLog.decode(n.get("losses_exact").asText());
        int k = Math.min(verifySteps, recorded.size());
        if (k == 0) throw new UserError(record + ": records no losses");
        System.err.printf("zest: re-running %d of %d recorded steps (%s, seed %d, %d threads)%n", k, recorded.size(),
                s.architecture().describe(), s.seed(), s.threads());
        Trainer t = new Trainer(s);
        int mismatches = 0;
        for (int i = 0; i < k; i++) {
            float got = t.trainStep(), want = recorded.get(i);
            boolean same = Float.floatToRawIntBits(got) == Float.floatToRawIntBits(want);
            if (!same) mismatches++;
            System.err.printf("step %d  recorded %.8f  reproduced %.8f  %s%n", i + 1, want, got, same ? "identical" : "DIFFERENT");
        }
        System.out.println(mismatches == 0 ? "verified: " + k + " steps reproduce bit-for-bit" : mismatches + " of " + k + " steps differ");
        return mismatches == 0 ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }
}
