package zest.nn.sd;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import zest.engine.Tensor;
import zest.nn.ConfigException;
import zest.nn.JsonConfig;
import zest.nn.WeightsException;
import zest.nn.clip.CLIPTextModel;
import zest.nn.clip.ClipTextConfig;
import zest.nn.unet.UNet2DConditionModel;
import zest.nn.unet.UNetConfig;
import zest.nn.vae.AutoencoderKL;
import zest.nn.vae.VaeConfig;

/**
 * The networks of a Stable Diffusion 1.x/2.x diffusers folder (model_index.json, unet/, vae/, text_encoder/,
 * tokenizer/, scheduler/), with weights memory-mapped in their stored dtype and loaded strictly: any missing,
 * unexpected or mis-shaped tensor fails the load with the full list. A pixel-space model (zest's toy model) has no
 * VAE: its model_index.json says {@code "vae": [null, null]}, as diffusers writes an absent component, and
 * {@link #vae()} is null; any other folder must have an AutoencoderKL.
 *
 * @param tokenizerDir    the tokenizer folder (vocab.json, merges.txt), for zest.nn.clip.ClipTokenizer
 * @param schedulerConfig scheduler/scheduler_config.json (may not exist; the pipeline decides)
 */
public record StableDiffusionModels(Path folder, UNet2DConditionModel unet, AutoencoderKL vae, CLIPTextModel textEncoder,
                                    Path tokenizerDir, Path schedulerConfig) {

    /** Loads the plain weights (falling back to the .fp16 variant when only that exists). */
    public static StableDiffusionModels load(Path folder) { return load(folder, null); }

    /** variant: "fp16" to prefer diffusion_pytorch_model.fp16.safetensors etc., or null. */
    public static StableDiffusionModels load(Path folder, String variant) {
        if (!Files.isDirectory(folder)) throw new ConfigException(folder + ": model folder not found");
        Path index = folder.resolve("model_index.json");
        if (!Files.isRegularFile(index))
            throw new ConfigException(index + ": file not found (a diffusers Stable Diffusion folder has model_index.json at its root)");
        JsonConfig mi = JsonConfig.read(index);
        expectComponent(mi, "unet", "UNet2DConditionModel");
        boolean pixelSpace = declaresAbsent(mi, "vae");
        if (!pixelSpace) expectComponent(mi, "vae", "AutoencoderKL");
        expectComponent(mi, "text_encoder", "CLIPTextModel");
        Path tokenizer = folder.resolve("tokenizer");
        if (!Files.isDirectory(tokenizer)) throw new ConfigException(tokenizer + ": tokenizer folder not found");
        return new StableDiffusionModels(folder,
                loadUNet(folder.resolve("unet"), variant),
                pixelSpace ? null : loadVae(folder.resolve("vae"), variant),
                loadTextEncoder(folder.resolve("text_encoder"), variant),
                tokenizer, folder.resolve("scheduler").resolve("scheduler_config.json"));
    }

    public static UNet2DConditionModel loadUNet(Path dir, String variant) {
        UNet2DConditionModel m = new UNet2DConditionModel(UNetConfig.read(dir.resolve("config.json")));
        loadChecked(m, dir, WeightFiles.load(dir, "diffusion_pytorch_model", variant));
        return m;
    }

    public static AutoencoderKL loadVae(Path dir, String variant) {
        AutoencoderKL m = new AutoencoderKL(VaeConfig.read(dir.resolve("config.json")));
        loadChecked(m, dir, WeightFiles.load(dir, "diffusion_pytorch_model", variant));
        return m;
    }

    /** Strict load; a mismatch names the component's config.json, since either it or the weights are wrong. */
    private static void loadChecked(zest.nn.Module m, Path dir, Map<String, Tensor> weights) {
        try {
            m.loadStateDict(weights, true);
        } catch (WeightsException e) {
            String first = e.getMessage().lines().findFirst().orElse("");
            throw new WeightsException(dir + ": the weights do not fit " + dir.resolve("config.json") + " (" + first + ")", e.problems());
        }
    }

    public static CLIPTextModel loadTextEncoder(Path dir, String variant) {
        CLIPTextModel m = new CLIPTextModel(ClipTextConfig.read(dir.resolve("config.json")));
        Map<String, Tensor> w = new LinkedHashMap<>(WeightFiles.load(dir, "model", variant));
        // older transformers versions saved the position_ids buffer with the weights; it is just 0..76
        w.remove("text_model.embeddings.position_ids");
        loadChecked(m, dir, w);
        return m;
    }

    /** Whether model_index.json lists the component as [null, null] (diffusers' way of saying "none"). */
    private static boolean declaresAbsent(JsonConfig mi, String name) {
        JsonNode n = mi.root().get(name);
        return n != null && n.isArray() && n.size() == 2 && n.get(0).isNull() && n.get(1).isNull();
    }

    /** model_index.json names each component as [library, class]; refuse anything but the SD classes. */
    private static void expectComponent(JsonConfig mi, String name, String cls) {
        JsonNode n = mi.node(name);
        if (n == null || !n.isArray() || n.size() != 2 || !n.get(1).isTextual())
            throw mi.error(name, "must be a [library, class] pair naming " + cls);
        if (!n.get(1).asText().equals(cls))
            throw mi.error(name, "must name " + cls + " (zest loads Stable Diffusion 1.x/2.x pipelines)");
    }
}
