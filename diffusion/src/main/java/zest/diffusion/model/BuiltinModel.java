package zest.diffusion.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import zest.nn.ConfigException;

/**
 * The default model shipped inside the jar: the small pixel-space text-to-image model trained by
 * {@code zest train-toy} (see the README for its seed and settings). Unpacked, it is a plain diffusers folder (no
 * VAE; SD's CLIP tokenizer, bundled once in the jar), so it runs through exactly the code path of a Stable
 * Diffusion checkpoint.
 *
 * <p>The loaders read files, so the resources are copied once into a folder named after their content hash
 * under the system temp directory; the copy is made in a private temp folder and renamed into place, so concurrent
 * first runs never see half a model.
 */
public final class BuiltinModel {
    /** What commands and run records call it; {@code --model builtin:toy} names it explicitly. */
    public static final String NAME = "builtin:toy";
    private static final String ROOT = "/zest/toy-model/";
    /** The files of the folder, relative to its root. */
    public static final List<String> FILES = List.of("model_index.json", "unet/config.json",
            "unet/diffusion_pytorch_model.safetensors", "text_encoder/config.json", "text_encoder/model.safetensors",
            "scheduler/scheduler_config.json", "training.json", "tokenizer/vocab.json", "tokenizer/merges.txt");
    /** The tokenizer files are SD's, bundled once in the jar for every model that lacks its own. */
    private static final String SHARED_TOKENIZER = "/zest/defaults/";

    private static Path extracted;

    private BuiltinModel() {}

    /** Whether this jar carries the model (a build without it still runs everything given --model). */
    public static boolean available() {
        return BuiltinModel.class.getResource(ROOT + "model_index.json") != null;
    }

    /** Whether a --model value means the built-in model: not given, or {@value #NAME}. */
    public static boolean isBuiltin(Path model) {
        return model == null || model.toString().equals(NAME);
    }

    /** A --model value as a path on disk: the built-in model's folder for {@code null} or {@value #NAME}. */
    public static Path resolve(Path model) {
        return isBuiltin(model) ? folder() : model;
    }

    /** The model as a folder on disk (extracted on first use). */
    public static synchronized Path folder() {
        if (extracted != null && Files.isDirectory(extracted)) return extracted;
        if (!available()) throw new ConfigException("this build of zest has no built-in model (resource " + ROOT + " missing): give --model");
        byte[][] content = new byte[FILES.size()][];
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < FILES.size(); i++) {
            content[i] = read(FILES.get(i));
            sha.update(FILES.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(content[i]);
        }
        String hash = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        Path base = Path.of(System.getProperty("java.io.tmpdir"), "zest-" + System.getProperty("user.name", "user"));
        Path target = base.resolve("toy-model-" + hash);
        try {
            if (!complete(target)) {
                Files.createDirectories(base);
                Path tmp = Files.createTempDirectory(base, "toy-model-" + hash + ".partial-");
                for (int i = 0; i < FILES.size(); i++) {
                    Path f = tmp.resolve(FILES.get(i));
                    Files.createDirectories(f.getParent());
                    Files.write(f, content[i]);
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                    deleteTree(tmp); // another process won the race; its copy has the same hash
                    if (!complete(target)) throw new IOException(target + " exists but is incomplete; delete it and retry");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the built-in model into " + target + ": " + e.getMessage(), e);
        }
        extracted = target;
        return target;
    }

    private static boolean complete(Path folder) {
        for (String f : FILES) if (!Files.isRegularFile(folder.resolve(f))) return false;
        return true;
    }

    private static byte[] read(String name) {
        String resource = (name.startsWith("tokenizer/") ? SHARED_TOKENIZER : ROOT) + name;
        try (InputStream in = BuiltinModel.class.getResourceAsStream(resource)) {
            if (in == null) throw new ConfigException("the built-in model is incomplete: resource " + resource + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
