package zest.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import zest.diffusion.schedulers.Scheduler;
import zest.diffusion.schedulers.Schedulers;
import zest.nn.sd.StableDiffusionModels;

/**
 * Damaged diffusers configs (model_index.json, unet/vae/text_encoder config.json, scheduler_config.json): fields
 * removed, given the wrong type, or absurd sizes (block_out_channels [1e9], layers_per_block 1e6, ...), and whole
 * files truncated, not objects, deeply nested or huge. Loading the sd-tiny folder either succeeds or fails with the
 * project's error naming the file or field, quickly and without allocating what the config asks for.
 */
class ConfigFuzzTest {
    static final List<String> FILES = List.of("model_index.json", "unet/config.json", "vae/config.json", "text_encoder/config.json",
            "scheduler/scheduler_config.json");
    /** Size fields where a huge value would build a huge network before the weights are compared. */
    static final List<String> SIZE_FIELDS = List.of("block_out_channels", "layers_per_block", "attention_head_dim",
            "cross_attention_dim", "transformer_layers_per_block", "norm_num_groups", "in_channels", "out_channels",
            "latent_channels", "sample_size", "time_embedding_dim", "conv_in_kernel", "conv_out_kernel", "hidden_size",
            "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size", "max_position_embeddings",
            "num_train_timesteps", "steps_offset", "trained_betas", "down_block_types", "up_block_types",
            "reverse_transformer_layers_per_block", "only_cross_attention");
    static final ObjectMapper JSON = new ObjectMapper();
    static Path source, dir;

    @BeforeContainer
    static void copyModel() throws IOException {
        source = Parity.resource("sd-tiny");
        dir = Robustness.scratchDir("zest-config-fuzz");
        for (String sub : List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler")) {
            Files.createDirectories(dir.resolve(sub));
            try (var s = Files.list(source.resolve(sub))) {
                for (Path p : s.toList()) {
                    // weights are linked, not copied: only the JSON files are rewritten
                    if (p.toString().endsWith(".safetensors")) Files.createSymbolicLink(dir.resolve(sub).resolve(p.getFileName()), p.toAbsolutePath());
                    else Files.copy(p, dir.resolve(sub).resolve(p.getFileName()));
                }
            }
        }
        Files.copy(source.resolve("model_index.json"), dir.resolve("model_index.json"));
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Robustness.print("config");
        Robustness.deleteTree(dir);
    }

    /** Restores every config, then writes {@code bytes} as {@code file}. */
    static void install(String file, byte[] bytes) throws IOException {
        for (String f : FILES) Files.copy(source.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.write(dir.resolve(file), bytes);
    }

    /** What `zest generate` does with a folder's configs, short of running the networks. */
    static void load() {
        StableDiffusionModels m = StableDiffusionModels.load(dir);
        if (m.unet() == null || m.textEncoder() == null) throw new AssertionError("loaded without networks");
        Scheduler s = Schedulers.fromConfig(m.schedulerConfig(), null);
        try {
            s.setTimesteps(3);
        } catch (IllegalArgumentException e) { // settings the pipeline rejects become exit 2, as in GenerateCommand
            throw new zest.cli.UserError(e.getMessage());
        }
    }

    static Robustness.Result check(String kind, String file, String what, byte[] bytes, String... fields) throws IOException {
        install(file, bytes);
        List<String> names = new ArrayList<>(List.of(file, Path.of(file).getFileName().toString(), file.split("/")[0]));
        names.addAll(List.of(fields));
        String shown = new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.UTF_8);
        return Robustness.run("config." + kind, file + " " + what + ": " + shown, Duration.ofSeconds(20), ConfigFuzzTest::load,
                names.toArray(String[]::new));
    }

    @Example
    void theUndamagedFolderLoads() throws IOException {
        org.junit.jupiter.api.Assertions.assertEquals("accepted",
                check("undamaged", "unet/config.json", "as is", Files.readAllBytes(source.resolve("unet/config.json"))).outcome());
    }

    @Example
    void absurdChannelCountsAreRefusedBeforeTheNetworkIsBuilt() throws IOException {
        ObjectNode n = (ObjectNode) JSON.readTree(source.resolve("unet/config.json").toFile());
        n.putArray("block_out_channels").add(1_000_000_000).add(1_000_000_000).add(1_000_000_000).add(1_000_000_000);
        n.put("norm_num_groups", 1);
        n.put("attention_head_dim", 1);
        Robustness.Result r = check("examples", "unet/config.json", "channels 1e9", JSON.writeValueAsBytes(n), "block_out_channels");
        org.junit.jupiter.api.Assertions.assertEquals("rejected", r.outcome());
        org.junit.jupiter.api.Assertions.assertTrue(r.message().contains("block_out_channels"), r.message());
    }

    @Example
    void aMillionLayersAreRefusedBeforeTheNetworkIsBuilt() throws IOException {
        ObjectNode n = (ObjectNode) JSON.readTree(source.resolve("text_encoder/config.json").toFile());
        n.put("num_hidden_layers", 1_000_000);
        Robustness.Result r = check("examples", "text_encoder/config.json", "layers 1e6", JSON.writeValueAsBytes(n), "num_hidden_layers");
        org.junit.jupiter.api.Assertions.assertEquals("rejected", r.outcome());
        org.junit.jupiter.api.Assertions.assertTrue(r.message().contains("num_hidden_layers"), r.message());
    }

    @Provide
    Arbitrary<JsonNode> badValues() {
        return Arbitraries.oneOf(
                Arbitraries.of("0", "-1", "1000000000", "2147483647", "2147483648", "9223372036854775807", "1e9", "1e300", "-0.5",
                        "1.5", "1000000", "65537", "\"x\"", "\"\"", "true", "null", "{}", "[]", "[1000000000]", "[0]", "[-1]",
                        "[\"a\"]", "[[1]]", "[1, 2]", "[1000000, 1000000, 1000000, 1000000]", "[3, 3, 3, 3]",
                        "[\"CrossAttnDownBlock2D\"]", "\"NoSuchScheduler\"").map(ConfigFuzzTest::parse),
                Arbitraries.integers().map(i -> JSON.getNodeFactory().numberNode(i)),
                Arbitraries.integers().between(1, 4096).map(n -> {
                    var a = JSON.getNodeFactory().arrayNode();
                    for (int i = 0; i < n; i++) a.add(1_000_000);
                    return a;
                }));
    }

    static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Property(seed = Robustness.SEED, tries = 120)
    void fieldsReplaced(@ForAll @IntRange(min = 0, max = 4) int fileIndex, @ForAll @IntRange(min = 0, max = 1000) int fieldPick,
                        @ForAll @IntRange(min = 0, max = 1) int sizeField, @ForAll("badValues") JsonNode value) throws IOException {
        String file = FILES.get(fileIndex);
        ObjectNode n = (ObjectNode) JSON.readTree(source.resolve(file).toFile());
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        String field = sizeField == 1 ? SIZE_FIELDS.get(fieldPick % SIZE_FIELDS.size()) : names.get(fieldPick % names.size());
        n.set(field, value);
        String v = value.toString();
        check("field-replaced", file, field + " = " + (v.length() > 80 ? v.substring(0, 80) + "..." : v), JSON.writeValueAsBytes(n), field);
    }

    @Property(seed = Robustness.SEED, tries = 40)
    void fieldsRemoved(@ForAll @IntRange(min = 0, max = 4) int fileIndex, @ForAll @IntRange(min = 0, max = 1000) int fieldPick) throws IOException {
        String file = FILES.get(fileIndex);
        ObjectNode n = (ObjectNode) JSON.readTree(source.resolve(file).toFile());
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        String field = names.get(fieldPick % names.size());
        n.remove(field);
        check("field-removed", file, "without " + field, JSON.writeValueAsBytes(n), field);
    }

    @Property(seed = Robustness.SEED, tries = 40)
    void wholeFileDamaged(@ForAll @IntRange(min = 0, max = 4) int fileIndex, @ForAll @IntRange(min = 0, max = 6) int how,
                          @ForAll @IntRange(min = 0, max = 100_000) int at) throws IOException {
        String file = FILES.get(fileIndex);
        byte[] valid = Files.readAllBytes(source.resolve(file));
        byte[] bytes = switch (how) {
            case 0 -> java.util.Arrays.copyOf(valid, at % valid.length); // truncated
            case 1 -> "[1, 2, 3]".getBytes(StandardCharsets.UTF_8);
            case 2 -> "[".repeat(2000 + at % 3000).getBytes(StandardCharsets.UTF_8); // deeply nested, unterminated
            case 3 -> ("{\"a\":".repeat(1000 + at % 2000) + "1" + "}".repeat(1000 + at % 2000)).getBytes(StandardCharsets.UTF_8);
            case 4 -> { // huge: a 4-24 MB string field
                String big = "x".repeat((4 + at % 20) << 20);
                yield ("{\"_comment\": \"" + big + "\"}").getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> { // not UTF-8
                byte[] b = valid.clone();
                b[at % b.length] = (byte) 0xff;
                yield b;
            }
            default -> new byte[0];
        };
        check("file-damaged", file, "damage " + how + " at " + at, bytes);
    }

    @Example
    void aThreeGigabyteConfigIsRefusedUnread() throws IOException {
        for (String file : List.of("unet/config.json", "scheduler/scheduler_config.json")) {
            install(file, Files.readAllBytes(source.resolve(file)));
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(dir.resolve(file).toFile(), "rw")) {
                f.setLength(3L << 30); // sparse: no disk space used
            }
            Robustness.Result r = Robustness.run("config.examples", file + " of 3 GB", Duration.ofSeconds(20), ConfigFuzzTest::load, file);
            org.junit.jupiter.api.Assertions.assertEquals("rejected", r.outcome());
            org.junit.jupiter.api.Assertions.assertTrue(r.message().contains("far larger than"), r.message());
        }
    }
}
