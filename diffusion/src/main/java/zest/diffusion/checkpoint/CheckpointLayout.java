package zest.diffusion.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import zest.convert.ckpt.CkptFile;

/** How a checkpoint is stored, decided from the path alone (and, for a .safetensors file, its tensor names). */
public enum CheckpointLayout {
    DIFFUSERS_FOLDER("diffusers folder"),
    LDM_SINGLE_FILE("LDM single file"),
    PLAIN_SAFETENSORS("plain safetensors");

    /** Name prefixes of the three models in an original-LDM (CompVis) checkpoint. */
    static final List<String> LDM_PREFIXES = List.of("model.diffusion_model.", "first_stage_model.", "cond_stage_model.");

    private final String label;

    CheckpointLayout(String label) { this.label = label; }

    public String label() { return label; }

    @Override public String toString() { return label; }

    /** A file of tensors named like a CompVis checkpoint (any tensor under one of the three model prefixes). */
    public static boolean isLdm(Collection<String> tensorNames) {
        for (String n : tensorNames) for (String p : LDM_PREFIXES) if (n.startsWith(p)) return true;
        return false;
    }

    /**
     * Checks that {@code path} is something zest reads: an existing diffusers folder, .safetensors file or PyTorch
     * zip checkpoint (.ckpt, .pt, .pth: read without executing anything). A pickle .bin is refused with a message
     * saying so rather than failing to parse.
     */
    public static void requireReadable(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve("model_index.json")) || Files.isDirectory(path.resolve("unet"))) return;
            if (Files.isRegularFile(path.resolve("config.json")))
                throw new CheckpointException(path + ": looks like one component of a diffusers folder (it has a config.json);"
                        + " give the folder above it, or the .safetensors weights file itself");
            throw new CheckpointException(path + ": not a diffusers folder (no model_index.json and no unet/ inside)");
        }
        if (!Files.exists(path)) throw new CheckpointException(path + ": no such file or folder");
        if (!Files.isRegularFile(path)) throw new CheckpointException(path + ": not a regular file or a folder");
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (CkptFile.isCheckpointName(path)) return;
        if (name.endsWith(".bin"))
            throw new CheckpointException(path + ": pickle .bin weights are not supported; convert them to .safetensors first"
                    + " (e.g. with the safetensors or diffusers Python tools), or give a .ckpt single file");
        if (!name.endsWith(".safetensors"))
            throw new CheckpointException(path + ": not a checkpoint zest reads (expected a diffusers folder, a .safetensors file"
                    + " or a .ckpt)");
    }
}
