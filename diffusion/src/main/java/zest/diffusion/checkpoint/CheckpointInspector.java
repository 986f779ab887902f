package zest.diffusion.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import zest.convert.Component;
import zest.convert.KeyResolution;
import zest.convert.LdmConfigs;
import zest.convert.LdmKey;
import zest.convert.LdmKeyMapping;
import zest.convert.TextEncoderLayout;
import zest.engine.io.TensorInfo;
import zest.nn.ConfigException;

/**
 * {@code zest inspect}: what a checkpoint is, from the safetensors headers alone. Files are memory-mapped and only
 * their headers are read (names, dtypes, shapes), so inspecting a multi-gigabyte model costs no weight memory. A
 * PyTorch .ckpt has no such header: its pickle is read (by the restricted unpickler, executing nothing), its tensor
 * data is not.
 */
public final class CheckpointInspector {
    private CheckpointInspector() {}

    /** The diffusers name of the text encoder's constant position_ids buffer, saved by older transformers. */
    static final String POSITION_IDS = "text_model.embeddings.position_ids";

    /** @param configDir diffusers configs for a single file (null: beside the file, else inferred) */
    public static CheckpointReport inspect(Path path, Path configDir) {
        CheckpointLayout.requireReadable(path);
        if (Files.isDirectory(path)) return folder(path);
        SingleFile file = SingleFile.open(path);
        return CheckpointLayout.isLdm(file.names()) ? ldmFile(file, configDir) : plainFile(file);
    }

    // ---------------------------------------------------------------- LDM single file

    private static CheckpointReport ldmFile(SingleFile file, Path configDir) {
        ReportTally tally = new ReportTally();
        tally.files.add(fileEntry(file, file.path().toString()));
        Map<String, int[]> shapes = shapes(file);
        Sidecar sidecar = Sidecar.forSingleFile(file.path(), configDir);
        LdmConfigChoice choice = null;
        String problem = null;
        try {
            choice = LdmConfigChoice.choose(shapes, sidecar);
            if (choice.note() != null) tally.notes.add(choice.note());
        } catch (ConfigException | IllegalArgumentException e) {
            problem = "not an SD 1.x/2.x checkpoint: " + e.getMessage();
        }
        if (choice == null) {
            countByPrefix(file, tally);
            return tally.report(file.path().toString(), CheckpointLayout.LDM_SINGLE_FILE, null, null, problem);
        }
        LdmKeyMapping mapping = LdmKeyMapping.of(choice.configs(), TextEncoderLayout.detect(file.names()));
        KeyResolution r = mapping.resolve(shapes);
        for (Component c : Component.values()) tally.component(c.folder());
        Set<String> counted = new HashSet<>();
        for (KeyResolution.Match m : r.matched())   // fused OpenCLIP q/k/v: three keys, one tensor, counted once
            if (counted.add(m.checkpointName())) tally.count(m.key().component().folder(), file.info(m.checkpointName()));
        for (String name : r.ignored()) tally.ignore(mapping.ignoredReason(name), file.info(name));
        tally.unknown.addAll(r.unknown());
        tally.problems.addAll(r.shapeProblems());
        for (LdmKey k : r.missing())
            tally.problems.add("missing " + k.ldmName() + " " + Arrays.toString(k.ldmShape()) + " (" + k.component() + ": " + k.diffusersName() + ")");
        return withArchitecture(tally, file.path().toString(), CheckpointLayout.LDM_SINGLE_FILE, choice.origin(),
                choice.configs(), sidecar);
    }

    /** Without configs: the three models by name prefix, EMA weights ignored, anything else unknown. */
    private static void countByPrefix(SingleFile file, ReportTally tally) {
        List<String> prefixes = CheckpointLayout.LDM_PREFIXES;
        for (Component c : Component.values()) tally.component(c.folder());
        for (String name : file.names()) {
            TensorInfo t = file.info(name);
            if (name.startsWith("model_ema.")) { tally.ignore("EMA copy of the UNet weights", t); continue; }
            int i = 0;
            while (i < prefixes.size() && !name.startsWith(prefixes.get(i))) i++;
            if (i < prefixes.size()) tally.count(Component.values()[i].folder(), t);
            else tally.unknown.add(name);
        }
    }

    // ---------------------------------------------------------------- diffusers folder

    private static CheckpointReport folder(Path folder) {
        ReportTally tally = new ReportTally();
        Sidecar sidecar = Sidecar.forFolder(folder);
        LdmConfigs configs = null;
        LdmKeyMapping mapping = null;
        String problem = null;
        try {
            configs = LdmConfigs.fromFolder(folder);
            mapping = LdmKeyMapping.of(configs);
        } catch (ConfigException | IllegalArgumentException e) {
            problem = "not an SD 1.x/2.x model: " + e.getMessage();
        }
        for (Component c : Component.values()) {
            tally.component(c.folder());
            Path dir = folder.resolve(c.folder());
            String base = c.weightsFile().substring(0, c.weightsFile().length() - ".safetensors".length());
            List<Path> files = ComponentWeightFiles.find(dir, base);
            if (files.isEmpty()) {
                boolean pickle = Files.isRegularFile(dir.resolve(base + ".bin"));
                tally.problems.add(c + ": no weights file in " + dir + (pickle ? " (only " + base + ".bin, a pickle file zest does not read)" : ""));
                continue;
            }
            Set<String> seen = new HashSet<>();
            for (Path p : files) {
                SingleFile f = SingleFile.open(p);
                tally.files.add(fileEntry(f, folder.relativize(p).toString()));
                for (String name : f.names()) countDiffusersTensor(c, f.info(name), mapping, tally, seen);
            }
            if (mapping != null)
                for (LdmKey k : mapping.keys(c))
                    if (!seen.contains(k.diffusersName()))
                        tally.problems.add("missing " + c + ": " + k.diffusersName() + " " + Arrays.toString(k.diffusersShape()));
        }
        List<String> others = otherEntries(folder);
        if (!others.isEmpty()) tally.notes.add("also holds " + String.join(", ", others) + " (not inspected)");
        String configsFrom = "the folder's unet/, vae/ and text_encoder/ config.json";
        if (configs == null) return tally.report(folder.toString(), CheckpointLayout.DIFFUSERS_FOLDER, configsFrom, null, problem);
        return withArchitecture(tally, folder.toString(), CheckpointLayout.DIFFUSERS_FOLDER, configsFrom, configs, sidecar);
    }

    private static void countDiffusersTensor(Component c, TensorInfo t, LdmKeyMapping mapping, ReportTally tally, Set<String> seen) {
        if (c == Component.TEXT_ENCODER && t.name().equals(POSITION_IDS)) {
            tally.ignore("text encoder position_ids buffer (always 0..76)", t);
            return;
        }
        if (mapping != null) {
            LdmKey k = mapping.diffusersKey(c, t.name());
            if (k == null) { tally.unknown.add(c + ": " + t.name()); return; }
            if (!Arrays.equals(k.diffusersShape(), t.shape()))
                tally.problems.add(c + ": " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", the config needs "
                        + Arrays.toString(k.diffusersShape()));
        }
        seen.add(t.name());
        tally.count(c.folder(), t);
    }

    /** Sub-folders besides the three models, tokenizer/ and scheduler/ (safety_checker/, feature_extractor/, ...). */
    private static List<String> otherEntries(Path folder) {
        Set<String> known = Set.of("unet", "vae", "text_encoder", "tokenizer", "scheduler");
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !known.contains(n) && !n.startsWith(".")).sorted().map(n -> n + "/").toList();
        } catch (IOException e) {
            throw new UncheckedIOException(folder + ": cannot list: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- any other safetensors file

    private static CheckpointReport plainFile(SingleFile file) {
        ReportTally tally = new ReportTally();
        tally.files.add(fileEntry(file, file.path().toString()));
        tally.component("tensors");
        for (String name : file.names()) tally.count("tensors", file.info(name));
        Path dir = file.path().toAbsolutePath().getParent();
        if (dir != null && Files.isRegularFile(dir.resolve("config.json")) && dir.getParent() != null
                && Files.isRegularFile(dir.getParent().resolve("model_index.json")))
            tally.notes.add("this is the " + dir.getFileName() + " component of the diffusers folder " + dir.getParent()
                    + ": inspect the folder for the architecture");
        return tally.report(file.path().toString(), CheckpointLayout.PLAIN_SAFETENSORS, null, null, null);
    }

    // ---------------------------------------------------------------- shared

    private static CheckpointReport withArchitecture(ReportTally tally, String path, CheckpointLayout layout, String configsFrom,
                                                     LdmConfigs configs, Sidecar sidecar) {
        try {
            Architecture a = Architecture.of(configs, sidecar.schedulerConfig());
            return tally.report(path, layout, configsFrom, a, null);
        } catch (ConfigException e) {
            return tally.report(path, layout, configsFrom, null, e.getMessage());
        }
    }

    private static CheckpointReport.FileEntry fileEntry(SingleFile f, String shownPath) {
        try {
            return new CheckpointReport.FileEntry(shownPath, Files.size(f.path()), f.size(), new LinkedHashMap<>(f.metadata()));
        } catch (IOException e) {
            throw new UncheckedIOException(f.path() + ": cannot read its size: " + e.getMessage(), e);
        }
    }

    private static Map<String, int[]> shapes(SingleFile file) {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (String n : file.names()) out.put(n, file.info(n).shape());
        return out;
    }
}
