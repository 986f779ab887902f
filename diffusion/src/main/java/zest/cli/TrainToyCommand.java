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
import zest.diffusion.model.BuiltinModel;
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
    @Option(names = "--out", description = "output folder (default ${DEFAULT-VALUE}; with --verify, " + BuiltinModel.NAME + " checks the built-in model)", defaultValue = "out/toy-model") Path out;
    @Option(names = "--steps", description = "optimizer steps (default 6000); with --resume, changes the run's length from the checkpoint on (recorded)") Integer steps;
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
        if (checkpointEvery < 1) throw new UserError("--checkpoint-every must be ≥ 1, got " + checkpointEvery);
        if (verify) return verify();
        Path ckpt = out.resolve(TrainCheckpoint.FILE_NAME);
        Trainer t;
        if (resume) {
            if (!Files.isRegularFile(ckpt)) throw new UserError(ckpt + ": no checkpoint to resume from");
            if (steps != null || batch != null || lr != null || warmup != null || seed != null || threads != null || model != null)
                System.err.println("zest: --resume continues with the checkpoint's settings; the options given are ignored");
            try {
                t = TrainCheckpoint.load(ckpt);
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) { // settings or tensors the run cannot use
                throw new UserError(ckpt + ": not a usable train-toy checkpoint: " + e.getMessage());
            }
            System.err.printf("zest: resumed at step %d of %d%n", t.step(), t.settings().steps());
        } else {
            if (Files.exists(ckpt)) throw new UserError(ckpt + " exists: use --resume to continue that run, or another --out");
            if (Files.exists(out) && !Files.isDirectory(out)) throw new UserError(out + " is a file: --out names the output folder");
            if (Files.isDirectory(out)) {
                try (var entries = Files.list(out)) {
                    // the exports would replace its model_index.json, unet/, text_encoder/ ...: never overwrite unasked
                    if (entries.findAny().isPresent()) throw new UserError(out + " is not empty: give a new or empty --out folder");
                }
            }
            t = new Trainer(settings());
        }
        Files.createDirectories(out);
        TrainSettings s = t.settings();
        System.err.printf("zest: training %s on %d threads: %d steps × %d scenes, lr %.1e, seed %d → %s%n",
                s.architecture().describe(), s.threads(), s.steps(), s.batch(), s.lr(), s.seed(), out);
        if (t.finished()) { // a finished run resumed: write its export again (e.g. after an exporter change)
            ToyModelExport.write(t, out);
            System.err.printf("zest: the run had finished (%d steps); export rewritten%n", t.step());
        }
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

    /** Loss tolerance when the recording machine's vector width differs from this one's. */
    static final double CROSS_WIDTH_TOLERANCE = 1e-3;

    /** Re-runs the first steps from the recorded settings; exact equality, since the thread count is part of them. */
    private int verify() throws IOException {
        Path folder = out.toString().equals(BuiltinModel.NAME) ? GenerateCommand.builtinFolder() : out;
        Path record = folder.resolve(ToyModelExport.TRAINING_JSON);
        if (!Files.isRegularFile(record)) throw new UserError(record + ": no training record to verify against");
        if (verifySteps < 1) throw new UserError("--verify-steps must be ≥ 1, got " + verifySteps);
        JsonNode n;
        TrainSettings s;
        List<Float> recorded;
        try {
            n = new ObjectMapper().readTree(Files.readString(record));
            if (n == null || !n.isObject() || !n.path("losses_exact").isTextual())
                throw new IllegalArgumentException("expected a JSON object with 'settings' and the text 'losses_exact'");
            s = TrainSettings.fromJson(n.get("settings"));
            recorded = LossLog.decode(n.get("losses_exact").asText());
        } catch (IOException | IllegalArgumentException e) { // NumberFormatException included: a damaged loss list
            throw new UserError(record + ": not a usable training record: " + e.getMessage());
        }
        int k = Math.min(verifySteps, recorded.size());
        if (k == 0) throw new UserError(record + ": records no losses");
        System.err.printf("zest: re-running %d of %d recorded steps (%s, seed %d, %d threads)%n", k, recorded.size(),
                s.architecture().describe(), s.seed(), s.threads());
        int recordedBits = n.path("vector_bits").asInt(0), bits = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        boolean exact = recordedBits == 0 || recordedBits == bits;
        if (!exact)
            System.err.printf("zest: recorded with %d-bit vectors, this CPU uses %d-bit ones: sums run in another order, so the losses are "
                    + "compared to %.0e relative instead of bit for bit%n", recordedBits, bits, CROSS_WIDTH_TOLERANCE);
        Trainer t = new Trainer(s);
        int mismatches = 0;
        for (int i = 0; i < k; i++) {
            float got = t.trainStep(), want = recorded.get(i);
            boolean same = Float.floatToRawIntBits(got) == Float.floatToRawIntBits(want);
            boolean ok = exact ? same : Math.abs(got - want) <= CROSS_WIDTH_TOLERANCE * Math.abs(want);
            if (!ok) mismatches++;
            System.err.printf("step %d  recorded %.8f  reproduced %.8f  %s%n", i + 1, want, got,
                    same ? "identical" : ok ? "close" : "DIFFERENT");
        }
        String how = exact ? "bit-for-bit" : "within " + CROSS_WIDTH_TOLERANCE + " relative";
        System.out.println(mismatches == 0 ? "verified: " + k + " steps reproduce " + how : mismatches + " of " + k + " steps differ");
        return mismatches == 0 ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }
}
