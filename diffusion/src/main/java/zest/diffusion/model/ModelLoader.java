package zest.diffusion.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import zest.convert.LdmCheckpoint;
import zest.convert.LdmConfigs;
import zest.convert.TensorSource;
import zest.convert.ckpt.CkptFile;
import zest.diffusion.schedulers.SchedulerConfig;
import zest.nn.ConfigException;
import zest.nn.clip.CLIPTextModel;
import zest.nn.clip.ClipTextConfig;
import zest.nn.clip.ClipTokenizer;
import zest.nn.sd.StableDiffusionModels;
import zest.nn.unet.UNet2DConditionModel;
import zest.nn.unet.UNetConfig;
import zest.nn.vae.AutoencoderKL;
import zest.nn.vae.VaeConfig;

/**
 * Opens a model from whatever a user points at: a diffusers folder, or an original-LDM single-file
 * {@code .safetensors} or PyTorch {@code .ckpt}. A single file has no configs: they are taken from a diffusers-style
 * folder beside it (model_index.json with unet/, vae/, text_encoder/ configs) or given with {@code configDir}, else
 * inferred from the tensor shapes; it has no tokenizer or scheduler either, so SD's standard ones (bundled) are used.
 */
public final class ModelLoader {
    private ModelLoader() {}

    public static DiffusionModel load(Path path, Path configDir) {
        if (path == null) throw new ConfigException("no model given");
        if (Files.isDirectory(path)) return loadDiffusersFolder(path);
        if (!Files.isRegularFile(path)) throw new ConfigException(path + ": model file or folder not found");
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors") || CkptFile.isCheckpointName(path)) return loadSingleFile(path, configDir);
        throw new ConfigException(path + ": not a model (expected a diffusers folder, or a .safetensors or .ckpt checkpoint)");
    }

    private static DiffusionModel loadDiffusersFolder(Path folder) {
        StableDiffusionModels m = StableDiffusionModels.load(folder);
        ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(m.tokenizerDir());
        SchedulerConfig sc = Files.isRegularFile(m.schedulerConfig()) ? SchedulerConfig.load(m.schedulerConfig()) : defaultScheduler();
        return new DiffusionModel(folder.toString(), tokenizer, m.textEncoder(), m.unet(), m.vae(), sc);
    }

    private static DiffusionModel loadSingleFile(Path file, Path configDir) {
        TensorSource st = TensorSource.open(file); // .ckpt read by the restricted unpickler: nothing in it is executed
        Path sibling = file.toAbsolutePath().getParent();
        LdmConfigs configs = null;
        if (configDir != null) configs = LdmConfigs.fromFolder(configDir);
        else if (sibling != null && Files.isRegularFile(sibling.resolve("model_index.json"))
                && Files.isRegularFile(sibling.resolve("unet").resolve("config.json")))
            configs = LdmConfigs.fromFolder(sibling);
        LdmCheckpoint.Components c = configs == null ? LdmCheckpoint.read(st) : LdmCheckpoint.read(st, configs);
        UNet2DConditionModel unet = new UNet2DConditionModel(UNetConfig.fromJson(c.configs().unet()));
        unet.loadStateDict(c.unet(), true);
        AutoencoderKL vae = new AutoencoderKL(VaeConfig.fromJson(c.configs().vae()));
        vae.loadStateDict(c.vae(), true);
        CLIPTextModel te = new CLIPTextModel(ClipTextConfig.fromJson(c.configs().textEncoder()));
        te.loadStateDict(c.textEncoder(), true);
        ClipTokenizer tokenizer = sibling != null && Files.isRegularFile(sibling.resolve("tokenizer").resolve("vocab.json"))
                ? ClipTokenizer.fromDirectory(sibling.resolve("tokenizer")) : bundledTokenizer();
        SchedulerConfig sc = sibling != null && Files.isRegularFile(sibling.resolve("scheduler").resolve("scheduler_config.json"))
                ? SchedulerConfig.load(sibling.resolve("scheduler").resolve("scheduler_config.json")) : defaultScheduler();
        return new DiffusionModel(file.toString(), tokenizer, te, unet, vae, sc);
    }

    /** SD 1.x's CLIP tokenizer (OpenAI CLIP BPE vocabulary, MIT licence), bundled in the jar. */
    public static ClipTokenizer bundledTokenizer() {
        try (InputStream v = resource("tokenizer/vocab.json"); InputStream m = resource("tokenizer/merges.txt")) {
            return ClipTokenizer.load(v, m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SD 1.5's scheduler_config.json (PNDM, scaled_linear 0.00085–0.012, leading spacing, steps_offset 1). */
    public static SchedulerConfig defaultScheduler() {
        try (InputStream in = resource("scheduler_config.json")) {
            return SchedulerConfig.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = ModelLoader.class.getResourceAsStream("/zest/defaults/" + name);
        if (in == null) throw new IllegalStateException("bundled resource /zest/defaults/" + name + " is missing from the jar");
        return in;
    }
}
