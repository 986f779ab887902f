package zest.diffusion.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import zest.nn.JsonConfig;

/**
 * The parts of a diffusers folder besides the three models' weights and configs: model_index.json, tokenizer/ and
 * scheduler/scheduler_config.json. Taken from the {@link Sidecar} when it has them, else zest's bundled defaults
 * (SD 1.x's CLIP tokenizer; SD 1.5's PNDM scheduler config), so the folder loads in diffusers and in zest alike.
 */
final class DiffusersExtras {
    private DiffusersExtras() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Writes the three parts into {@code folder}.
     *
     * @param sd2 an SD 2.x model: its tokenizer pads with "!" rather than the end token
     * @return one line per part saying where it came from
     */
    static List<String> write(Path folder, Sidecar from, boolean sd2) throws IOException {
        List<String> said = new ArrayList<>();
        Path tokenizer = Files.createDirectories(folder.resolve("tokenizer"));
        if (from.tokenizerDir() != null) {
            copyFiles(from.tokenizerDir(), tokenizer);
            said.add("tokenizer: copied from " + from.tokenizerDir());
        } else {
            copyResource("tokenizer/vocab.json", tokenizer.resolve("vocab.json"));
            copyResource("tokenizer/merges.txt", tokenizer.resolve("merges.txt"));
            writeTokenizerConfigs(tokenizer, sd2 ? "!" : "<|endoftext|>");
            said.add("tokenizer: zest's bundled CLIP tokenizer (none found beside the input)"
                    + (sd2 ? ", with SD 2.x's pad token \"!\"" : ""));
        }
        Path scheduler = Files.createDirectories(folder.resolve("scheduler")).resolve("scheduler_config.json");
        if (from.schedulerConfig() != null) {
            Files.copy(from.schedulerConfig(), scheduler);
            said.add("scheduler: copied from " + from.schedulerConfig());
        } else {
            copyResource("scheduler_config.json", scheduler);
            said.add("scheduler: zest's bundled SD 1.5 default (PNDM, epsilon prediction; none found beside the input)"
                    + (sd2 ? " - an SD 2.x 768-px model predicts v: set prediction_type to v_prediction in " + folder.relativize(scheduler) : ""));
        }
        String schedulerClass = JsonConfig.read(scheduler).stringOr("_class_name", "PNDMScheduler");
        writeModelIndex(folder.resolve("model_index.json"), schedulerClass);
        return said;
    }

    /** What diffusers' StableDiffusionPipeline needs to assemble itself; no safety checker (zest has none). */
    private static void writeModelIndex(Path file, String schedulerClass) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("_class_name", "StableDiffusionPipeline");
        m.set("feature_extractor", pair(null, null));
        m.put("requires_safety_checker", false);
        m.set("safety_checker", pair(null, null));
        m.set("scheduler", pair("diffusers", schedulerClass));
        m.set("text_encoder", pair("transformers", "CLIPTextModel"));
        m.set("tokenizer", pair("transformers", "CLIPTokenizer"));
        m.set("unet", pair("diffusers", "UNet2DConditionModel"));
        m.set("vae", pair("diffusers", "AutoencoderKL"));
        Files.writeString(file, JSON.writeValueAsString(m) + "\n");
    }

    private static ArrayNode pair(String library, String className) {
        ArrayNode a = JSON.createArrayNode();
        a.add(library);
        a.add(className);
        return a;
    }

    /**
     * transformers' CLIPTokenizer reads its length limit and pad token from these; without them it would not
     * truncate prompts to the 77 positions the text encoder has.
     */
    private static void writeTokenizerConfigs(Path dir, String pad) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        c.put("bos_token", "<|startoftext|>");
        c.put("clean_up_tokenization_spaces", false);
        c.put("eos_token", "<|endoftext|>");
        c.put("errors", "replace");
        c.put("model_max_length", 77);
        c.put("pad_token", pad);
        c.put("tokenizer_class", "CLIPTokenizer");
        c.put("unk_token", "<|endoftext|>");
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(c) + "\n");
        ObjectNode s = JSON.createObjectNode();
        s.put("bos_token", "<|startoftext|>");
        s.put("eos_token", "<|endoftext|>");
        s.put("pad_token", pad);
        s.put("unk_token", "<|endoftext|>");
        Files.writeString(dir.resolve("special_tokens_map.json"), JSON.writeValueAsString(s) + "\n");
    }

    private static void copyFiles(Path fromDir, Path toDir) throws IOException {
        try (Stream<Path> s = Files.list(fromDir)) {
            for (Path p : s.filter(Files::isRegularFile).toList())
                Files.copy(p, toDir.resolve(p.getFileName().toString()));
        }
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = DiffusersExtras.class.getResourceAsStream("/zest/defaults/" + name)) {
            if (in == null) throw new IllegalStateException("bundled resource /zest/defaults/" + name + " is missing from the jar");
            Files.copy(in, to);
        }
    }
}
