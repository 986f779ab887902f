package zest.diffusion.toy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import zest.diffusion.model.ModelLoader;
import zest.engine.DType;
import zest.engine.io.Safetensors;

/**
 * Writes the trained model as a diffusers folder without VAE: model_index.json, unet/, text_encoder/ (EMA weights,
 * fp16), tokenizer/ (SD's CLIP BPE files), scheduler/, plus training.json recording the settings and the exact loss
 * history that {@code zest train-toy --verify} reproduces.
 */
public final class ToyModelExport {
    public static final String TRAINING_JSON = "training.json";

    private ToyModelExport() {}

    public static void write(Trainer t, Path folder) {
        try {
            ToyModelConfig arch = t.settings().architecture();
            Files.createDirectories(folder);
            writeText(folder.resolve("model_index.json"), ToyModelConfig.toJson(arch.modelIndexJson()));
            Path unet = Files.createDirectories(folder.resolve("unet"));
            writeText(unet.resolve("config.json"), ToyModelConfig.toJson(arch.unetJson()));
            Safetensors.write(unet.resolve("diffusion_pytorch_model.safetensors"), t.emaStateDict("unet."), Map.of("format", "pt"), DType.F16);
            Path te = Files.createDirectories(folder.resolve("text_encoder"));
            writeText(te.resolve("config.json"), ToyModelConfig.toJson(arch.textEncoderJson()));
            Safetensors.write(te.resolve("model.safetensors"), withUntrainedRowsZeroed(t, t.emaStateDict("text_encoder.")), Map.of("format", "pt"), DType.F16);
            Path tok = Files.createDirectories(folder.resolve("tokenizer"));
            copyResource("tokenizer/vocab.json", tok.resolve("vocab.json"));
            copyResource("tokenizer/merges.txt", tok.resolve("merges.txt"));
            Path sch = Files.createDirectories(folder.resolve("scheduler"));
            writeText(sch.resolve("scheduler_config.json"), ToyModelConfig.toJson(ToyModelConfig.schedulerJson()));
            writeText(folder.resolve(TRAINING_JSON), trainingJson(t));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The token embedding has a row for each of CLIP's 49,408 tokens, but the world's captions use a few dozen:
     * the other rows never receive a gradient and keep their random initial values. They are written as zeros,
     * which says what they are (untrained) and lets the shipped file compress to the size of what was learned.
     * A row counts as untrained when its AdamW second moment is exactly zero (no step ever had a nonzero gradient).
     */
    static Map<String, zest.engine.Tensor> withUntrainedRowsZeroed(Trainer t, Map<String, zest.engine.Tensor> weights) {
        List<String> names = t.names();
        for (var e : weights.entrySet()) {
            if (!e.getKey().contains("token_embedding")) continue;
            int index = names.indexOf("text_encoder." + e.getKey());
            if (index < 0) continue;
            float[] v = t.optimizer().secondMoment(index), w = e.getValue().toFloatArray().clone();
            int[] shape = e.getValue().shape();
            int cols = shape[shape.length - 1];
            for (int row = 0; row < w.length / cols; row++) {
                boolean trained = false;
                for (int c = 0; c < cols && !trained; c++) trained = v[row * cols + c] != 0f;
                if (!trained) java.util.Arrays.fill(w, row * cols, (row + 1) * cols, 0f);
            }
            e.setValue(zest.engine.Tensor.of(w, shape));
        }
        return weights;
    }

    static String trainingJson(Trainer t) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode n = om.createObjectNode();
        n.set("settings", t.settings().toJson());
        n.put("architecture", t.settings().architecture().describe());
        n.put("steps_done", t.step());
        ArrayNode changes = n.putArray("reschedules");
        for (Trainer.Reschedule r : t.reschedules())
            changes.addObject().put("at_step", r.atStep()).put("from_steps", r.fromSteps()).put("to_steps", r.toSteps());
        // the float summation order of the kernels depends on the vector width: --verify is bit-exact on the same width
        n.put("vector_bits", jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize());
        List<Float> losses = t.losses();
        n.put("losses_exact", LossLog.encode(losses));
        // a readable curve: mean loss per block of steps
        ArrayNode curve = n.putArray("loss_curve");
        int block = Math.max(1, losses.size() / 50);
        for (int i = 0; i < losses.size(); i += block) {
            double sum = 0;
            int end = Math.min(losses.size(), i + block);
            for (int k = i; k < end; k++) sum += losses.get(k);
            curve.addObject().put("steps", (i + 1) + "-" + end).put("mean_loss", sum / (end - i));
        }
        return ToyModelConfig.toJson(n);
    }

    /** Writes through a temporary file and a rename, so a reader never sees half a file. */
    static void writeText(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void copyResource(String name, Path target) throws IOException {
        try (InputStream in = ModelLoader.class.getResourceAsStream("/zest/defaults/" + name)) {
            if (in == null) throw new IllegalStateException("bundled resource /zest/defaults/" + name + " is missing");
            // through a temporary file and a rename, like every other file of the export
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
