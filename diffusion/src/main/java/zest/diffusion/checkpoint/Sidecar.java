package zest.diffusion.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an LDM single file does not carry (the diffusers configs, a tokenizer, a scheduler config) and where it is
 * taken from: a {@code --config} folder first, then the diffusers-style folder the file sits in. For a diffusers folder
 * everything is its own.
 *
 * @param configFolder    folder with unet/, vae/, text_encoder/ config.json, or null (configs are then inferred)
 * @param configGiven     the user named {@code configFolder} (use it even if it does not fit, and say so)
 * @param tokenizerDir    a tokenizer folder with vocab.json and merges.txt, or null (the bundled SD 1.x one is used)
 * @param schedulerConfig a scheduler_config.json, or null (the bundled SD 1.5 default is used)
 */
public record Sidecar(Path configFolder, boolean configGiven, Path tokenizerDir, Path schedulerConfig) {

    /** For a single file: {@code configDir} (may be null), then the file's own folder. */
    public static Sidecar forSingleFile(Path file, Path configDir) {
        if (configDir != null && !Files.isDirectory(configDir))
            throw new CheckpointException(configDir + ": --config folder not found");
        List<Path> places = new ArrayList<>();
        if (configDir != null) places.add(configDir);
        Path sibling = file.toAbsolutePath().getParent();
        if (sibling != null) places.add(sibling);
        Path configs = configDir;
        if (configs == null && sibling != null && Files.isRegularFile(sibling.resolve("model_index.json"))
                && Files.isRegularFile(sibling.resolve("unet").resolve("config.json")))
            configs = sibling;
        return new Sidecar(configs, configDir != null, tokenizerIn(places), schedulerIn(places));
    }

    /** For a diffusers folder: its own configs, tokenizer/ and scheduler/. */
    public static Sidecar forFolder(Path folder) {
        return new Sidecar(folder, true, tokenizerIn(List.of(folder)), schedulerIn(List.of(folder)));
    }

    private static Path tokenizerIn(List<Path> places) {
        for (Path p : places) {
            Path t = p.resolve("tokenizer");
            if (Files.isRegularFile(t.resolve("vocab.json")) && Files.isRegularFile(t.resolve("merges.txt"))) return t;
        }
        return null;
    }

    private static Path schedulerIn(List<Path> places) {
        for (Path p : places) {
            Path s = p.resolve("scheduler").resolve("scheduler_config.json");
            if (Files.isRegularFile(s)) return s;
        }
        return null;
    }
}
