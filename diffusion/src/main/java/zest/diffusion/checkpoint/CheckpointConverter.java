package zest.diffusion.checkpoint;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import zest.convert.Component;
import zest.convert.LdmCheckpoint;
import zest.convert.TextEncoderLayout;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.io.Safetensors;
import zest.nn.WeightsException;

/**
 * {@code zest convert}: between an original-LDM single file and a diffusers folder, or within one layout to change
 * the stored dtype. The output's form follows its name: ending in {@code .safetensors} a single file, else a folder.
 * Nothing partial is ever left at the output, even when the run is interrupted: file or folder is written through
 * {@link AtomicOutput}. Tensors stream from the memory-mapped input to the output, so memory stays small.
 */
public final class CheckpointConverter {
    private CheckpointConverter() {}

    /**
     * @param storeAs   F32, F16 or BF16 for every floating tensor, or null to keep each tensor's dtype
     * @param configDir diffusers configs for a single-file input (null: beside the file, else inferred)
     */
    public record Request(Path in, Path out, DType storeAs, boolean overwrite, Path configDir) {}

    /** Unknown tensor names listed in the summary before the rest are only counted. */
    private static final int LISTED = 10;

    /** Converts and returns what was done, one line each, for the CLI to print. */
    public static List<String> convert(Request r) {
        CheckpointLayout.requireReadable(r.in());
        boolean toFile = r.out().getFileName() != null
                && r.out().getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors");
        checkOutput(r.out(), toFile, r.overwrite());
        if (Files.isDirectory(r.in())) {
            if (r.configDir() != null)
                throw new CheckpointException(r.in() + ": --config is for single-file inputs; a diffusers folder has its own configs");
            return toFile ? folderToLdm(r) : folderToFolder(r);
        }
        SingleFile file = SingleFile.open(r.in());
        if (toFile) return fileToFile(file, r);
        if (!CheckpointLayout.isLdm(file.names()))
            throw new CheckpointException(r.in() + ": a plain safetensors file (no model.diffusion_model. / first_stage_model. /"
                    + " cond_stage_model. tensors), not an LDM checkpoint: it cannot become a diffusers folder");
        return ldmToFolder(file, r);
    }

    /** Refuses before any work: an existing output without --overwrite, a missing parent, a file/folder mismatch. */
    static void checkOutput(Path out, boolean toFile, boolean overwrite) {
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent))
            throw new CheckpointException(out + ": the folder it would go in, " + parent + ", does not exist");
        if (!Files.exists(out, LinkOption.NOFOLLOW_LINKS)) return;
        if (!overwrite) throw new CheckpointException(out + ": already exists (pass --overwrite to replace it)");
        if (toFile && Files.isDirectory(out))
            throw new CheckpointException(out + ": is a folder; a name ending in .safetensors asks for a single file, so it was left alone");
        if (!toFile && !Files.isDirectory(out))
            throw new CheckpointException(out + ": is a file; a name without .safetensors asks for a diffusers folder, so it was left alone");
    }

    // ---------------------------------------------------------------- the four directions

    /** LDM → LDM (or any safetensors file): every tensor and the metadata kept, only the dtype changes. */
    private static List<String> fileToFile(SingleFile file, Request r) {
        Map<String, Tensor> all = file.tensors();
        AtomicOutput.writeFile(r.out(), r.overwrite(), tmp -> Safetensors.write(tmp, all, file.metadata(), r.storeAs()));
        String layout = (CheckpointLayout.isLdm(file.names()) ? CheckpointLayout.LDM_SINGLE_FILE : CheckpointLayout.PLAIN_SAFETENSORS).label();
        return List.of("read " + r.in() + ": " + layout + ", " + all.size() + " tensors, " + dtypesOf(all.values()),
                "wrote " + r.out() + ": " + layout + ", every tensor and the metadata kept, " + target(r.storeAs(), all.values()));
    }

    private static List<String> ldmToFolder(SingleFile file, Request r) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (String n : file.names()) shapes.put(n, file.info(n).shape());
        Sidecar sidecar = Sidecar.forSingleFile(r.in(), r.configDir());
        LdmConfigChoice choice = LdmConfigChoice.choose(shapes, sidecar);
        LdmCheckpoint.Components c = LdmCheckpoint.read(file, choice.configs());
        List<String> said = new ArrayList<>();
        said.add("read " + r.in() + ": " + CheckpointLayout.LDM_SINGLE_FILE + ", " + dtypesOf(file.tensors().values()));
        said.add("configs: " + choice.origin());
        if (choice.note() != null) said.add("note: " + choice.note());
        said.addAll(writeFolder(r, c, sidecar));
        said.addAll(skipped(c));
        return said;
    }

    private static List<String> folderToLdm(Request r) {
        LdmCheckpoint.Components c = DiffusersFolderReader.read(r.in());
        try {
            AtomicOutput.writeFile(r.out(), r.overwrite(), tmp -> LdmCheckpoint.writeLdm(tmp, c, r.storeAs()));
        } catch (WeightsException e) {
            throw naming(r.in(), e);
        }
        List<String> said = new ArrayList<>();
        said.add("read " + r.in() + ": " + CheckpointLayout.DIFFUSERS_FOLDER + ", " + dtypesOf(components(c)));
        said.add("wrote " + r.out() + ": " + CheckpointLayout.LDM_SINGLE_FILE + ", " + target(r.storeAs(), components(c)));
        said.add("tokenizer/ and scheduler/ have no place in an LDM file: keep the folder's if you need them");
        said.addAll(skipped(c));
        return said;
    }

    private static List<String> folderToFolder(Request r) {
        LdmCheckpoint.Components c = DiffusersFolderReader.read(r.in());
        List<String> said = new ArrayList<>();
        said.add("read " + r.in() + ": " + CheckpointLayout.DIFFUSERS_FOLDER + ", " + dtypesOf(components(c)));
        try {
            said.addAll(writeFolder(r, c, Sidecar.forFolder(r.in())));
        } catch (WeightsException e) {
            throw naming(r.in(), e);
        }
        said.addAll(skipped(c));
        return said;
    }

    /** The same problems, with the folder they were found in in front (the writer only knows component names). */
    private static WeightsException naming(Path in, WeightsException e) {
        String summary = e.getMessage().lines().findFirst().orElse("weights do not fit their configs");
        return new WeightsException(in + ": " + summary, e.problems());
    }

    // ---------------------------------------------------------------- shared

    /** The three models, model_index.json, tokenizer/ and scheduler/, all or nothing. */
    private static List<String> writeFolder(Request r, LdmCheckpoint.Components c, Sidecar sidecar) {
        boolean sd2 = c.textLayout() == TextEncoderLayout.OPEN_CLIP; // OpenCLIP text tower: SD 2.x's tokenizer settings
        List<String> extras = new ArrayList<>();
        AtomicOutput.writeFolder(r.out(), r.overwrite(), tmp -> {
            extras.addAll(DiffusersExtras.write(tmp, sidecar, sd2));
            LdmCheckpoint.writeDiffusersFolder(tmp, c, r.storeAs());
        });
        List<String> said = new ArrayList<>();
        said.add("wrote " + r.out() + ": " + CheckpointLayout.DIFFUSERS_FOLDER
                + " (unet/, vae/, text_encoder/, tokenizer/, scheduler/, model_index.json), " + target(r.storeAs(), components(c)));
        said.addAll(extras);
        return said;
    }

    /** What the conversion left out: known extras by count, unknown tensors by name. */
    private static List<String> skipped(LdmCheckpoint.Components c) {
        List<String> said = new ArrayList<>();
        if (!c.ignored().isEmpty())
            said.add("left out " + c.ignored().size() + " known extra tensors (EMA weights, schedule buffers, position_ids), e.g. "
                    + String.join(", ", c.ignored().subList(0, Math.min(3, c.ignored().size()))));
        if (!c.unknown().isEmpty()) {
            String names = String.join(", ", c.unknown().subList(0, Math.min(LISTED, c.unknown().size())));
            said.add("WARNING: left out " + c.unknown().size() + " UNKNOWN tensors (not part of the three models): " + names
                    + (c.unknown().size() > LISTED ? ", ..." : ""));
        }
        return said;
    }

    private static List<Tensor> components(LdmCheckpoint.Components c) {
        List<Tensor> all = new ArrayList<>();
        for (Component comp : Component.values()) all.addAll(c.get(comp).values());
        return all;
    }

    private static String dtypesOf(Iterable<Tensor> tensors) {
        Set<DType> seen = EnumSet.noneOf(DType.class);
        for (Tensor t : tensors) seen.add(t.dtype());
        return seen.stream().map(DType::safetensorsName).collect(Collectors.joining("/"));
    }

    private static String target(DType storeAs, Iterable<Tensor> tensors) {
        return storeAs == null ? "dtypes kept: " + dtypesOf(tensors) : "floating tensors stored as " + storeAs.safetensorsName();
    }
}
