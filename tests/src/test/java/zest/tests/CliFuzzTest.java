package zest.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import zest.cli.Main;
import zest.diffusion.io.PngFiles;
import zest.diffusion.io.RunRecord;
import zest.diffusion.pipeline.GenerationSettings;

/**
 * jqwik-generated argument vectors for every subcommand, run in-process through {@link Main#execute} with stdout and
 * stderr captured. Each argument is drawn either valid or damaged (bad numbers, zero or negative steps, NaN, missing
 * or non-model files, unknown flags); a vector with a damaged argument must exit 2 with a "zest: " message naming one
 * of the damaged arguments, never a stack trace or an exception's class name; a valid vector must exit 0 and leave
 * its output. A refused run leaves no output and no temporary file, and an existing file is only replaced with
 * --overwrite. Valid vectors use the sd-tiny model at 64×64 with one or two steps; serve and train-toy vectors always
 * carry a damaged argument, so no case starts a server or a training run.
 */
class CliFuzzTest {
    static final Path MODEL = Parity.resource("sd-tiny");
    static final Path LDM = Parity.resource("sd-tiny/sd-tiny-ldm.safetensors");
    static final Path CLIP_CASE = Parity.resource("sd-tiny/cases/clip.safetensors");
    static final Path SCHEDULER_CASE = Parity.resource("sd-tiny/cases/scheduler.safetensors");
    static final Path HOSTILE = Parity.resource("ckpt/hostile/os_system.ckpt");
    static final Pattern EXCEPTION_NAME = Pattern.compile("\\b[A-Z][A-Za-z]*(Exception|Error)\\b|\tat |\\bat [a-z]+\\.[a-z]");
    static final AtomicInteger COUNTER = new AtomicInteger();
    static Path dir, layout, labels, badLabels, junk, empty, exists, zestPng, plainPng, truncatedLdm, badCkpt, badTraining;
    static byte[] existsBytes;

    /** One argument (or option with its value): the tokens, and when damaged, a word the error message must contain. */
    record Arg(List<String> tokens, String defect) {
        static Arg ok(String... t) { return new Arg(List.of(t), null); }
        static Arg bad(String name, String... t) { return new Arg(List.of(t), name); }
        static Arg none() { return new Arg(List.of(), null); }
    }

    @BeforeContainer
    static void files() throws IOException {
        dir = Robustness.scratchDir("zest-cli-fuzz");
        layout = dir.resolve("layout.png");
        Files.write(layout, LayoutFuzzTest.colorMap(64, 64, 3, 2, 0));
        labels = dir.resolve("labels.json");
        Files.writeString(labels, "{\"#000000\": \"\", \"#ff0000\": \"a red apple\"}");
        badLabels = dir.resolve("bad-labels.json");
        Files.writeString(badLabels, "{\"#000000\": \"\"}");
        junk = dir.resolve("junk.png");
        Files.writeString(junk, "this is not an image or a model");
        empty = Files.createDirectories(dir.resolve("empty"));
        exists = dir.resolve("exists.png");
        existsBytes = "an existing file that must survive".getBytes(StandardCharsets.UTF_8);
        Files.write(exists, existsBytes);
        GenerationSettings s = GenerationSettings.defaults("a red apple").withSize(64, 64).withSteps(1);
        Map<String, String> text = new LinkedHashMap<>();
        text.put(RunRecord.CHUNK, RunRecord.toJson(s, null, MODEL.toAbsolutePath().toString()));
        zestPng = dir.resolve("made-by-zest.png");
        Files.write(zestPng, PngFiles.encodeRgb(new byte[8 * 8 * 3], 8, 8, text));
        plainPng = dir.resolve("plain.png");
        Files.write(plainPng, PngFiles.encodeRgb(new byte[8 * 8 * 3], 8, 8, Map.of()));
        truncatedLdm = dir.resolve("truncated.safetensors");
        Files.write(truncatedLdm, Arrays.copyOf(Files.readAllBytes(LDM), 1 << 20));
        badCkpt = Files.createDirectories(dir.resolve("bad-ckpt"));
        Files.writeString(badCkpt.resolve("checkpoint.safetensors"), "{not a checkpoint");
        badTraining = Files.createDirectories(dir.resolve("bad-training"));
        Files.writeString(badTraining.resolve("training.json"), "{\"settings\": {\"model\": \"tiny\"}, \"losses_exact\": 17}");
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Robustness.print("cli");
        Robustness.deleteTree(dir);
    }

    /** A fresh output path per case (in its own folder, so leftovers are easy to see). */
    static Path freshDir() throws IOException {
        return Files.createDirectories(dir.resolve("case" + COUNTER.incrementAndGet()));
    }

    static Arbitrary<Arg> pick(Arg... args) { return Arbitraries.of(args); }

    static Arbitrary<Arg> number(String option, String name, String[] good, String... bad) {
        List<Arg> all = new ArrayList<>();
        all.add(Arg.none());
        for (String g : good) all.add(Arg.ok(option, g));
        for (String b : bad) all.add(Arg.bad(name, option, b));
        return Arbitraries.of(all);
    }


    // ------------------------------------------------------------------ generate

    @Provide
    Arbitrary<List<Arg>> generateArgs() {
        Arbitrary<Arg> model = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.just(Arg.ok("--model", MODEL.toString()))),
                net.jqwik.api.Tuple.of(1, pick(Arg.bad("missing", "--model", dir.resolve("missing").toString()),
                        Arg.bad("junk.png", "--model", junk.toString()), Arg.bad("empty", "--model", empty.toString()),
                        Arg.bad("truncated.safetensors", "--model", truncatedLdm.toString()),
                        Arg.bad("os.system", "--model", HOSTILE.toString()))));
        Arbitrary<Arg> prompt = pick(Arg.ok("-p", "a red apple"), Arg.ok("-p", ""), Arg.ok("-p", "apple ".repeat(200)),
                Arg.ok("--prompt", "ünïcödé 🍎 <|endoftext|>"));
        Arbitrary<Arg> steps = number("--steps", "steps", new String[] {"1"}, "0", "-3", "1001", "2.5", "abc", "NaN");
        // valid runs stay cheap: one step, CFG 1 (no unconditional pass), 64×64
        Arbitrary<Arg> cfg = number("--cfg", "cfg", new String[] {"1"}, "NaN", "-1", "Infinity", "1e9", "x");
        Arbitrary<Arg> size = Arbitraries.of(
                List.of(Arg.ok("-W", "64"), Arg.ok("-H", "64")), List.of(Arg.ok("-W", "64"), Arg.ok("-H", "64")),
                List.of(Arg.bad("width", "-W", "0"), Arg.ok("-H", "64")), List.of(Arg.bad("width", "-W", "-64"), Arg.ok("-H", "64")),
                List.of(Arg.bad("width", "-W", "63"), Arg.ok("-H", "64")), List.of(Arg.ok("-W", "64"), Arg.bad("height", "-H", "1000000")),
                List.of(Arg.bad("width", "-W", "100000"), Arg.bad("height", "-H", "100000")),
                List.of(Arg.bad("width", "-W", "2147483640"), Arg.ok("-H", "64")),
                List.of(Arg.bad("-W", "-W", "abc"), Arg.ok("-H", "64"))).map(l -> new Arg(l.stream().flatMap(a -> a.tokens().stream()).toList(),
                        l.stream().map(Arg::defect).filter(d -> d != null).findFirst().orElse(null)));
        Arbitrary<Arg> seed = number("-s", "seed", new String[] {"7", "-1"}, "x", "99999999999999999999");
        Arbitrary<Arg> sampler = number("--sampler", "sampler", new String[] {"ddim", "euler", "pndm", "dpmpp2m"}, "foo", "");
        Arbitrary<Arg> batch = number("--batch", "batch", new String[] {}, "0", "65", "-1", "x");
        Arbitrary<Arg> eta = number("--eta", "eta", new String[] {"0.3"}, "NaN", "-1", "101", "x");
        Arbitrary<Arg> tau = number("--tau", "tau", new String[] {"0.5", "1"}, "NaN", "-0.5", "2");
        Arbitrary<Arg> pww = number("--pww-weight", "weight", new String[] {"0.4"}, "NaN", "-1", "1e9");
        Arbitrary<Arg> samplerEta = number("--sampler-eta", "eta", new String[] {"0.5"}, "NaN", "2", "-1");
        Arbitrary<Arg> layers = number("--layers", "layer", new String[] {"16,32", "down16"}, "bogus", "down99", ",,,");
        Arbitrary<Arg> lambda = number("--lambda", "lambda", new String[] {"linear"}, "cubic");
        Arbitrary<Arg> threads = number("--threads", "threads", new String[] {}, "0", "-2", "100000", "x");
        Arbitrary<Arg> lay = pick(Arg.none(), Arg.none(), new Arg(List.of("--layout", layout.toString(), "--labels", labels.toString()), null),
                Arg.bad("labels", "--layout", layout.toString()),
                Arg.bad("missing.png", "--layout", dir.resolve("missing.png").toString(), "--labels", labels.toString()),
                Arg.bad("junk.png", "--layout", junk.toString(), "--labels", labels.toString()),
                Arg.bad("bad-labels.json", "--layout", layout.toString(), "--labels", badLabels.toString()),
                Arg.bad("junk.png", "--segment", junk + "=a red apple"), Arg.bad("segment", "--segment", "no-equals-sign"));
        Arbitrary<Arg> guidance = pick(Arg.none(), Arg.none(), Arg.ok("--guidance", "none"), Arg.bad("guidance", "--guidance", "bogus"));
        Arbitrary<Arg> from = pick(Arg.none(), Arg.none(), Arg.none(), Arg.ok("--from", zestPng.toString()),
                Arg.bad("missing", "--from", dir.resolve("missing.png").toString()), Arg.bad("junk.png", "--from", junk.toString()),
                Arg.bad("plain.png", "--from", plainPng.toString()));
        Arbitrary<Arg> output = pick(Arg.none(), Arg.bad("exists", "-o", exists.toString()), Arg.ok("--save-attention", "maps"));
        Arbitrary<Arg> overwrite = pick(Arg.none(), Arg.none(), Arg.ok("--overwrite"));
        Arbitrary<Arg> unknown = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.just(Arg.none())),
                net.jqwik.api.Tuple.of(1, pick(Arg.bad("frobnicate", "--frobnicate"), Arg.bad("-Z", "-Z"), Arg.bad("unmatched", "extra-positional"))));
        return Combinators.combine(List.of(model, prompt, steps, cfg, size, seed, sampler, batch, eta, tau, pww, samplerEta, layers,
                lambda, threads, lay, guidance, from, output, overwrite, unknown)).as(l -> l);
    }

    @Property(seed = Robustness.SEED, tries = 25)
    void generate(@ForAll("generateArgs") List<Arg> args) throws IOException {
        Path out = freshDir();
        List<String> argv = new ArrayList<>(List.of("generate"));
        List<String> defects = new ArrayList<>();
        boolean explicitOutput = false, saveAttention = false;
        for (Arg a : args) {
            List<String> t = new ArrayList<>(a.tokens());
            if (t.size() == 2 && t.get(0).equals("--save-attention")) { t.set(1, out.resolve("maps").toString()); saveAttention = true; }
            if (!t.isEmpty() && t.get(0).equals("-o")) explicitOutput = true;
            argv.addAll(t);
            if (a.defect() != null) defects.add(a.defect());
        }
        boolean hasLayout = argv.contains("--labels") || argv.contains("--segment");
        if (!explicitOutput) argv.addAll(List.of("-o", out.resolve("image.png").toString()));
        // never the defaults of 50 steps at CFG 7.5: a valid vector must stay a short run
        if (!argv.contains("--steps")) argv.addAll(List.of("--steps", "1"));
        if (!argv.contains("--cfg")) argv.addAll(List.of("--cfg", "1"));
        if (argv.contains("--overwrite")) defects.remove("exists"); // replacing is what was asked
        Run r = run("cli.generate", argv, defects);
        if (r.code() == 0) {
            boolean batch2 = argv.contains("--batch") && argv.get(argv.indexOf("--batch") + 1).equals("2");
            Path first = batch2 ? out.resolve("image-1.png") : out.resolve("image.png");
            if (!Files.isRegularFile(first)) throw new AssertionError("exit 0 but no " + first + "\n" + r);
        } else {
            try (var s = Files.list(out)) {
                List<Path> left = s.filter(p -> !p.getFileName().toString().equals("maps")).toList();
                if (!left.isEmpty()) throw new AssertionError("a refused run left " + left + "\n" + r);
            }
        }
        if (saveAttention && r.code() == 0 && hasLayout && !Files.isDirectory(out.resolve("maps")))
            throw new AssertionError("no attention maps\n" + r);
        assertExistingUntouched(r);
    }

    // ------------------------------------------------------------------ check / inspect / convert

    @Provide
    Arbitrary<List<Arg>> checkArgs() {
        Arbitrary<Arg> model = pick(Arg.ok("--model", MODEL.toString()), Arg.ok("--model", MODEL.toString()),
                Arg.bad("missing", "--model", dir.resolve("missing").toString()), Arg.bad("junk.png", "--model", junk.toString()),
                Arg.bad("--model", "--model"), Arg.bad("truncated.safetensors", "--model", truncatedLdm.toString()));
        Arbitrary<Arg> cas = pick(Arg.ok("--case", CLIP_CASE.toString()), Arg.ok("--case", SCHEDULER_CASE.toString()),
                Arg.bad("missing", "--case", dir.resolve("missing.safetensors").toString()), Arg.bad("junk.png", "--case", junk.toString()),
                Arg.bad("case", "--case", LDM.toString()), Arg.bad("--case"));
        Arbitrary<Arg> kind = pick(Arg.none(), Arg.none(), Arg.bad("kind", "--kind", "bogus"), Arg.bad("unet", "--kind", "unet"),
                Arg.bad("zestguide", "--kind", "zestguide"));
        Arbitrary<Arg> tol = number("--tolerance", "tolerance", new String[] {"1e-3"}, "-1", "NaN", "x", "Infinity");
        Arbitrary<Arg> unknown = pick(Arg.none(), Arg.none(), Arg.none(), Arg.bad("frobnicate", "--frobnicate"));
        return Combinators.combine(model, cas, kind, tol, unknown).as(List::of);
    }

    @Property(seed = Robustness.SEED, tries = 25)
    void check(@ForAll("checkArgs") List<Arg> args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("check"));
        List<String> defects = new ArrayList<>();
        for (Arg a : args) {
            argv.addAll(a.tokens());
            if (a.defect() != null) defects.add(a.defect());
        }
        // a kind that does not match the case file is a damaged argument only when it differs from the file's kind
        if (argv.contains("--kind") && argv.contains(SCHEDULER_CASE.toString())) defects.add("scheduler");
        if (argv.contains("--kind") && argv.contains(CLIP_CASE.toString())) defects.add("clip");
        run("cli.check", argv, defects);
    }

    static List<Arg> checkpointPaths() {
        return List.of(Arg.ok(MODEL.toString()), Arg.ok(LDM.toString()), Arg.ok(Parity.resource("ckpt/sd-tiny-ldm.ckpt").toString()),
                Arg.bad("missing", dir.resolve("missing.safetensors").toString()), Arg.bad("junk.png", junk.toString()),
                Arg.bad("empty", empty.toString()), Arg.bad("truncated.safetensors", truncatedLdm.toString()),
                Arg.bad("os.system", HOSTILE.toString()), Arg.bad("unet", MODEL.resolve("unet").toString()));
    }

    @Provide
    Arbitrary<List<Arg>> inspectArgs() {
        Arbitrary<Arg> path = Arbitraries.of(checkpointPaths());
        Arbitrary<Arg> config = pick(Arg.none(), Arg.none(), Arg.ok("--config", MODEL.toString()),
                Arg.bad("missing", "--config", dir.resolve("missing").toString()), Arg.bad("junk.png", "--config", junk.toString()),
                Arg.bad("empty", "--config", empty.toString()));
        Arbitrary<Arg> flags = pick(Arg.none(), Arg.ok("--json"), Arg.bad("frobnicate", "--frobnicate"), Arg.bad("unmatched", "second-path"));
        return Combinators.combine(path, config, flags).as(List::of);
    }

    @Property(seed = Robustness.SEED, tries = 20)
    void inspect(@ForAll("inspectArgs") List<Arg> args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("inspect"));
        List<String> defects = new ArrayList<>();
        for (Arg a : args) {
            argv.addAll(a.tokens());
            if (a.defect() != null) defects.add(a.defect());
        }
        // --config is only read for a single file: with a folder it is ignored, so a damaged one is no defect there.
        // For a single file inspect reports a config it cannot use in its "architecture" line and still succeeds:
        // the report is what was asked for. Then the report must name the config folder.
        String config = args.get(1).defect();
        boolean folder = args.get(0).tokens().getFirst().equals(MODEL.toString());
        List<String> withoutConfig = new ArrayList<>(defects);
        if (config != null) withoutConfig.remove(config);
        List<String> tolerated = config != null && !folder ? List.of(config) : List.of();
        Run r = run("cli.inspect", argv, withoutConfig, tolerated);
        if (!tolerated.isEmpty() && r.code() == 0 && !r.out().contains(args.get(1).tokens().get(1)))
            throw new AssertionError("inspect used a damaged --config without saying so\n" + r);
    }

    @Provide
    Arbitrary<List<Arg>> convertArgs() {
        Arbitrary<Arg> in = Arbitraries.of(checkpointPaths());
        Arbitrary<Arg> out = pick(Arg.ok("NEW/out.safetensors"), Arg.ok("NEW/folder"), Arg.bad("exists", exists.toString()),
                Arg.bad("exists", "NEW/existing-folder"), Arg.bad("junk.png", junk + "/below-a-file.safetensors"));
        Arbitrary<Arg> dtype = number("--dtype", "dtype", new String[] {"fp16", "keep"}, "int8", "");
        Arbitrary<Arg> flags = pick(Arg.none(), Arg.none(), Arg.bad("frobnicate", "--frobnicate"));
        return Combinators.combine(in, out, dtype, flags).as(List::of);
    }

    @Property(seed = Robustness.SEED, tries = 20)
    void convert(@ForAll("convertArgs") List<Arg> args) throws IOException {
        Path out = freshDir();
        List<String> argv = new ArrayList<>(List.of("convert"));
        List<String> defects = new ArrayList<>();
        Path target = null;
        for (Arg a : args) {
            for (String t : a.tokens()) {
                if (t.startsWith("NEW/")) {
                    target = out.resolve(t.substring(4));
                    if (t.endsWith("existing-folder")) Files.createDirectories(target).resolve("keep.txt").toFile().createNewFile();
                    t = target.toString();
                }
                argv.add(t);
            }
            if (a.defect() != null) defects.add(a.defect());
        }
        Run r = run("cli.convert", argv, defects);
        if (r.code() != 0 && target != null && !target.getFileName().toString().equals("existing-folder") && Files.exists(target))
            throw new AssertionError("a refused convert left " + target + "\n" + r);
        if (r.code() != 0 && target != null && target.getFileName().toString().equals("existing-folder")
                && !Files.exists(target.resolve("keep.txt")))
            throw new AssertionError("a refused convert damaged the existing " + target + "\n" + r);
        try (var s = Files.list(out)) {
            List<Path> tmp = s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
            if (!tmp.isEmpty()) throw new AssertionError("temporary output left behind: " + tmp + "\n" + r);
        }
        assertExistingUntouched(r);
    }

    // ------------------------------------------------------------------ eval / serve / train-toy (never start long work)

    @Provide
    Arbitrary<List<Arg>> evalArgs() {
        // the only models at hand are not toy models (sd-tiny has a VAE), so every vector is refused
        Arbitrary<Arg> model = pick(Arg.bad("toy", "--model", MODEL.toString()), Arg.bad("missing", "--model", dir.resolve("missing").toString()),
                Arg.bad("junk.png", "--model", junk.toString()), Arg.bad("empty", "--model", empty.toString()));
        Arbitrary<Arg> scenes = number("-n", "scenes", new String[] {"2"}, "0", "-1", "x");
        Arbitrary<Arg> modes = number("--modes", "guidance", new String[] {"none,zest"}, "bogus", "zest,,foo");
        Arbitrary<Arg> steps = number("--steps", "steps", new String[] {"2"}, "0", "-1", "NaN");
        Arbitrary<Arg> tau = number("--tau", "tau", new String[] {"0.5"}, "NaN", "3");
        Arbitrary<Arg> threads = number("--threads", "threads", new String[] {}, "0", "-1");
        Arbitrary<Arg> unknown = pick(Arg.none(), Arg.none(), Arg.bad("frobnicate", "--frobnicate"));
        return Combinators.combine(model, scenes, modes, steps, tau, threads, unknown).as(List::of);
    }

    @Property(seed = Robustness.SEED, tries = 15)
    void eval(@ForAll("evalArgs") List<Arg> args) {
        List<String> argv = new ArrayList<>(List.of("eval"));
        List<String> defects = new ArrayList<>();
        for (Arg a : args) {
            argv.addAll(a.tokens());
            if (a.defect() != null) defects.add(a.defect());
        }
        defects.add("pixel-space"); // what a non-toy model is told
        Run r = run("cli.eval", argv, defects);
        if (r.code() != 2) throw new AssertionError("eval cannot succeed without a toy model\n" + r);
    }

    @Provide
    Arbitrary<List<Arg>> serveArgs() {
        Arbitrary<Arg> model = pick(Arg.ok("--model", MODEL.toString()), Arg.bad("missing", "--model", dir.resolve("missing").toString()),
                Arg.bad("junk.png", "--model", junk.toString()));
        Arbitrary<Arg> port = pick(Arg.bad("port", "--port", "-1"), Arg.bad("port", "--port", "65536"), Arg.bad("port", "--port", "x"),
                Arg.ok("--port", "0"));
        Arbitrary<Arg> queue = pick(Arg.none(), Arg.bad("queue", "--queue", "-1"), Arg.bad("queue", "--queue", "101"), Arg.ok("--queue", "2"));
        Arbitrary<Arg> unknown = pick(Arg.none(), Arg.bad("frobnicate", "--frobnicate"));
        return Combinators.combine(model, port, queue, unknown).as(List::of)
                .filter(l -> l.stream().anyMatch(a -> a.defect() != null)); // never a valid vector: it would serve forever
    }

    @Property(seed = Robustness.SEED, tries = 20)
    void serve(@ForAll("serveArgs") List<Arg> args) {
        List<String> argv = new ArrayList<>(List.of("serve"));
        List<String> defects = new ArrayList<>();
        for (Arg a : args) {
            argv.addAll(a.tokens());
            if (a.defect() != null) defects.add(a.defect());
        }
        run("cli.serve", argv, defects);
    }

    @Provide
    Arbitrary<List<Arg>> trainArgs() {
        // valid values are the smallest run (tiny model, 1 step, batch 1): should a damaged one slip through, it stays short
        Arbitrary<Arg> steps = pick(Arg.ok("--steps", "1"), Arg.bad("steps", "--steps", "0"), Arg.bad("steps", "--steps", "-5"),
                Arg.bad("steps", "--steps", "x"));
        Arbitrary<Arg> batch = pick(Arg.ok("--batch", "1"), Arg.bad("batch", "--batch", "0"), Arg.bad("batch", "--batch", "1.5"));
        Arbitrary<Arg> lr = pick(Arg.none(), Arg.bad("learning rate", "--lr", "0"), Arg.bad("learning rate", "--lr", "-1"),
                Arg.bad("learning rate", "--lr", "NaN"), Arg.bad("--lr", "--lr", "fast"));
        Arbitrary<Arg> warmup = pick(Arg.none(), Arg.bad("warm", "--warmup", "-1"));
        Arbitrary<Arg> threads = pick(Arg.none(), Arg.bad("threads", "--threads", "0"), Arg.bad("threads", "--threads", "-3"));
        Arbitrary<Arg> model = pick(Arg.ok("--model", "tiny"), Arg.bad("huge", "--model", "huge"), Arg.bad("model", "--model", ""));
        Arbitrary<Arg> every = pick(Arg.none(), Arg.bad("checkpoint-every", "--checkpoint-every", "0"),
                Arg.bad("checkpoint-every", "--checkpoint-every", "-1"));
        Arbitrary<Arg> mode = pick(Arg.none(), Arg.none(), Arg.bad("checkpoint", "--resume"), Arg.bad("checkpoint", "--resume", "BADCKPT"),
                Arg.bad("training", "--verify"), Arg.bad("training", "--verify", "BADTRAINING"),
                Arg.bad("verify-steps|training", "--verify", "--verify-steps", "0"));
        Arbitrary<Arg> unknown = pick(Arg.none(), Arg.none(), Arg.bad("frobnicate", "--frobnicate"));
        return Combinators.combine(List.of(steps, batch, lr, warmup, threads, model, every, mode, unknown)).as(l -> l)
                .filter(l -> l.stream().anyMatch(a -> a.defect() != null)); // never a valid vector: it would train
    }

    @Property(seed = Robustness.SEED, tries = 25)
    void trainToy(@ForAll("trainArgs") List<Arg> args) throws IOException {
        Path out = freshDir().resolve("toy");
        List<String> argv = new ArrayList<>(List.of("train-toy"));
        List<String> defects = new ArrayList<>();
        for (Arg a : args) {
            for (String t : a.tokens()) {
                if (t.equals("BADCKPT")) out = badCkpt;
                else if (t.equals("BADTRAINING")) out = badTraining;
                else argv.add(t);
            }
            if (a.defect() != null) defects.add(a.defect());
        }
        argv.addAll(List.of("--out", out.toString()));
        if (out == badCkpt || out == badTraining) defects.add(out.getFileName().toString());
        Run r = run("cli.train-toy", argv, defects);
        if (r.code() == 0) throw new AssertionError("train-toy vectors all carry a damaged argument\n" + r);
    }

    @Property(seed = Robustness.SEED, tries = 15)
    void anyCommandLine(@ForAll("tokens") List<String> argv) {
        // random tokens: help, version, unknown subcommands and options; never a long run (no model is ever named)
        run("cli.random-tokens", argv, List.of());
    }

    @Provide
    Arbitrary<List<String>> tokens() {
        return Arbitraries.of("generate", "check", "inspect", "convert", "eval", "serve", "train-toy", "bogus", "help", "--help",
                "--version", "-V", "-h", "--steps", "-1", "NaN", "--model", "", "--", "-", "--frobnicate=3", "=", junk.toString())
                .list().ofMinSize(0).ofMaxSize(5).filter(CliFuzzTest::failsFastOrPrintsHelp);
    }

    /** Commands that could start long work (load the built-in model, serve, train) only with a token that stops them first. */
    static boolean failsFastOrPrintsHelp(List<String> l) {
        boolean risky = l.contains("generate") || l.contains("eval") || l.contains("serve") || l.contains("train-toy");
        return !risky || l.contains("--help") || l.contains("-h") || l.contains("--frobnicate=3") || l.contains("bogus");
    }

    // ------------------------------------------------------------------ harness

    record Run(List<String> argv, int code, String out, String err) {
        @Override public String toString() {
            return "zest " + String.join(" ", argv) + "\nexit " + code + "\nstdout:\n" + out + "stderr:\n" + err;
        }
    }

    /**
     * Runs one vector under a time limit; exit 0 when no argument is damaged, exit 2 with a message naming one of
     * {@code defects} otherwise (a vector of random tokens only needs a clean 0 or 2).
     */
    static Run run(String kind, List<String> argv, List<String> defects) {
        return run(kind, argv, defects, List.of());
    }

    /** {@code tolerated}: damaged arguments a command may report and still succeed on (exit 0 or 2 both fine). */
    static synchronized Run run(String kind, List<String> argv, List<String> defects, List<String> tolerated) {
        Run[] result = new Run[1];
        Robustness.run(kind + ".harness", String.join(" ", argv), Duration.ofSeconds(60), 2L << 30, () -> {
            CliRun c = CliRun.quiet(argv.toArray(String[]::new));
            result[0] = new Run(argv, c.exitCode(), c.out(), c.err());
        });
        Run r = result[0];
        String outcome = switch (r.code()) {
            case 0 -> "exit 0 (accepted)";
            case 2 -> "exit 2 (rejected)";
            default -> "exit " + r.code();
        };
        boolean randomTokens = kind.equals("cli.random-tokens");
        if (r.code() != 0 && r.code() != 2) throw new AssertionError("exit code " + r.code() + " is neither success nor bad input\n" + r);
        if (EXCEPTION_NAME.matcher(r.err()).find()) throw new AssertionError("a stack trace or exception name reached the user\n" + r);
        if (r.code() == 2) {
            String firstLine = r.err().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
            if (!firstLine.startsWith("zest: ") || firstLine.length() < 12) throw new AssertionError("no clear message\n" + r);
            if (!randomTokens) {
                List<String> named = new ArrayList<>(defects);
                named.addAll(tolerated);
                if (named.isEmpty()) throw new AssertionError("a valid vector was refused\n" + r);
                // a defect may list alternatives ("a|b"): the first problem found is reported, which may be either
                Robustness.assertNames(kind, r.toString(), r.err(), named.stream().flatMap(d -> Arrays.stream(d.split("\\|"))).toArray(String[]::new));
            }
        } else if (!randomTokens && !defects.isEmpty()) {
            throw new AssertionError("a vector with damaged arguments " + defects + " succeeded\n" + r);
        }
        Robustness.count(kind, outcome);
        return r;
    }

    static void assertExistingUntouched(Run r) throws IOException {
        if (!Arrays.equals(Files.readAllBytes(exists), existsBytes) && !r.argv().contains("--overwrite"))
            throw new AssertionError(exists + " was replaced without --overwrite\n" + r);
        Files.write(exists, existsBytes);
    }

    // ------------------------------------------------------------------ the bugs this suite found, one vector each

    @Example
    void threadCountsThePoolCannotHaveAreBadInput() {
        for (String n : new String[] {"0", "100000"}) {
            Run r = run("cli.examples", List.of("generate", "--model", MODEL.toString(), "-p", "x", "--threads", n), List.of("--threads"));
            org.junit.jupiter.api.Assertions.assertEquals(2, r.code(), r.toString());
        }
    }

    @Example
    void anImageSizeBeyond4096IsRefusedBeforeGenerating() {
        Run r = run("cli.examples", List.of("generate", "--model", MODEL.toString(), "-p", "x", "-W", "100000", "-H", "64", "--steps", "1"),
                List.of("4096"));
        org.junit.jupiter.api.Assertions.assertEquals(2, r.code(), r.toString());
    }

    @Example
    void aNegativeOrNaNToleranceIsBadInput() {
        for (String t : new String[] {"-1", "NaN"}) {
            Run r = run("cli.examples", List.of("check", "--model", MODEL.toString(), "--case", CLIP_CASE.toString(), "--tolerance", t),
                    List.of("--tolerance"));
            org.junit.jupiter.api.Assertions.assertEquals(2, r.code(), r.toString());
        }
    }

    @Example
    void trainToyRefusesZeroCheckpointIntervalsDamagedRecordsAndNonEmptyFolders() throws IOException {
        Path fresh = freshDir();
        run("cli.examples", List.of("train-toy", "--model", "tiny", "--steps", "1", "--batch", "1", "--checkpoint-every", "0",
                "--out", fresh.resolve("toy").toString()), List.of("--checkpoint-every"));
        Run verify = run("cli.examples", List.of("train-toy", "--verify", "--out", badTraining.toString()), List.of("training.json"));
        org.junit.jupiter.api.Assertions.assertTrue(verify.err().contains("not a usable training record"), verify.toString());
        Run resume = run("cli.examples", List.of("train-toy", "--resume", "--out", badCkpt.toString()), List.of("checkpoint.safetensors"));
        org.junit.jupiter.api.Assertions.assertEquals(2, resume.code(), resume.toString());
        Files.writeString(fresh.resolve("model_index.json"), "{}");
        Run nonEmpty = run("cli.examples", List.of("train-toy", "--model", "tiny", "--steps", "1", "--batch", "1", "--out", fresh.toString()),
                List.of("not empty"));
        org.junit.jupiter.api.Assertions.assertEquals("{}", Files.readString(fresh.resolve("model_index.json")), nonEmpty.toString());
    }

    @Example
    void attentionMapsAreNotReplacedWithoutOverwrite() throws IOException {
        Path out = freshDir(), maps = Files.createDirectories(out.resolve("maps"));
        Path old = maps.resolve("seg0_a-red-apple_mean.png");
        Files.writeString(old, "an earlier map");
        Run r = run("cli.examples", List.of("generate", "--model", MODEL.toString(), "-p", "a red apple", "--steps", "1",
                "--layout", layout.toString(), "--labels", labels.toString(), "--save-attention", maps.toString(),
                "-o", out.resolve("image.png").toString()), List.of("--overwrite"));
        org.junit.jupiter.api.Assertions.assertEquals(2, r.code(), r.toString());
        org.junit.jupiter.api.Assertions.assertEquals("an earlier map", Files.readString(old));
        org.junit.jupiter.api.Assertions.assertFalse(Files.exists(out.resolve("image.png")), "nothing is written when the maps are refused");
    }

    @Example
    void aMissingCaseFileIsNamedWithoutAnExceptionName() {
        Run r = run("cli.examples", List.of("check", "--model", MODEL.toString(), "--case", dir.resolve("missing.safetensors").toString()),
                List.of("missing.safetensors: file not found"));
        org.junit.jupiter.api.Assertions.assertEquals(2, r.code(), r.toString());
    }

    @Example
    void aValidRunWritesItsImageOnceAndReplacesItOnlyWithOverwrite() throws IOException {
        Path out = freshDir(), image = out.resolve("image.png"), maps = out.resolve("maps");
        List<String> argv = new ArrayList<>(List.of("generate", "--model", MODEL.toString(), "-p", "a red apple", "--steps", "1", "--cfg", "1",
                "-s", "3", "--layout", layout.toString(), "--labels", labels.toString(), "--save-attention", maps.toString(),
                "-o", image.toString()));
        Run first = run("cli.examples", argv, List.of());
        org.junit.jupiter.api.Assertions.assertEquals(0, first.code(), first.toString());
        byte[] written = Files.readAllBytes(image);
        org.junit.jupiter.api.Assertions.assertTrue(written.length > 8 && written[1] == 'P', "a PNG");
        try (var s = Files.list(maps)) {
            org.junit.jupiter.api.Assertions.assertFalse(s.toList().isEmpty(), "attention maps written");
        }
        Files.write(image, existsBytes); // a file the user changed since: a second run must not replace it unasked
        Run again = run("cli.examples", argv, List.of("exists|--overwrite"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(existsBytes, Files.readAllBytes(image), again.toString());
        argv.add("--overwrite");
        Run replaced = run("cli.examples", argv, List.of());
        org.junit.jupiter.api.Assertions.assertEquals(0, replaced.code(), replaced.toString());
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(existsBytes, Files.readAllBytes(image)), "replaced with --overwrite");
        try (var s = Files.list(out)) {
            List<Path> tmp = s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
            org.junit.jupiter.api.Assertions.assertEquals(List.of(), tmp, "no temporary file left");
        }
    }
}
