package zest.tests;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.engine.Tensor;
import zest.nn.clip.CLIPTextModel;
import zest.nn.clip.ClipTokenizer;
import zest.nn.sd.StableDiffusionModels;
import zest.nn.unet.UNet2DConditionModel;

/**
 * Damaged tokenizer folders (vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json): missing,
 * truncated, bytes flipped, not UTF-8, the wrong JSON type, ids out of range, 3 GB files. Loading the tokenizer
 * beside sd-tiny's text encoder and encoding a prompt with it (what generate does) either works or fails with the
 * project's error naming the file, quickly and without reading a huge file into memory.
 */
class TokenizerFuzzTest {
    static final List<String> FILES = List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json");
    static Path source, dir;
    static byte[][] valid;
    static CLIPTextModel textEncoder;
    static UNet2DConditionModel unet;

    @BeforeContainer
    static void copy() throws IOException {
        source = Parity.resource("sd-tiny/tokenizer");
        dir = Robustness.scratchDir("zest-tokenizer-fuzz");
        valid = new byte[FILES.size()][];
        for (int i = 0; i < FILES.size(); i++) valid[i] = Files.readAllBytes(source.resolve(FILES.get(i)));
        textEncoder = StableDiffusionModels.loadTextEncoder(Parity.resource("sd-tiny/text_encoder"), null);
        unet = StableDiffusionModels.loadUNet(Parity.resource("sd-tiny/unet"), null);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Robustness.print("tokenizer");
        Robustness.deleteTree(dir);
    }

    /** All four files as shipped, then {@code file} replaced by {@code bytes} (null: removed). */
    static void install(int file, byte[] bytes) throws IOException {
        for (int i = 0; i < FILES.size(); i++) Files.write(dir.resolve(FILES.get(i)), valid[i]);
        Path p = dir.resolve(FILES.get(file));
        if (bytes == null) Files.delete(p);
        else Files.write(p, bytes);
    }

    /** What generate does with a tokenizer folder: load it with the model's text encoder, encode a prompt. */
    static void useTokenizer() {
        ClipTokenizer tok = ClipTokenizer.fromDirectory(dir);
        DiffusionModel m = new DiffusionModel("fuzz", tok, textEncoder, unet, null, ModelLoader.defaultScheduler());
        int[] ids = m.tokenizer().encodePadded("a red apple and a blue cup, ünïcödé 🍎");
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        m.textEncoder().forward(Tensor.ofLongs(l, 1, l.length));
    }

    static Robustness.Result check(String kind, int file, String what, byte[] bytes) throws IOException {
        install(file, bytes);
        String name = FILES.get(file);
        return Robustness.run("tokenizer." + kind, name + " " + what, Duration.ofSeconds(20), TokenizerFuzzTest::useTokenizer,
                name, "tokenizer");
    }

    @Example
    void theShippedTokenizerWorks() throws IOException {
        org.junit.jupiter.api.Assertions.assertEquals("accepted", check("undamaged", 0, "as shipped", valid[0]).outcome());
    }

    @Example
    void aThreeGigabyteMergesFileIsRefusedUnread() throws IOException {
        install(1, valid[1]);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("merges.txt").toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: no disk space used
        }
        Robustness.Result r = Robustness.run("tokenizer.huge", "merges.txt of 3 GB", Duration.ofSeconds(20), TokenizerFuzzTest::useTokenizer,
                "merges.txt");
        org.junit.jupiter.api.Assertions.assertEquals("rejected", r.outcome());
        org.junit.jupiter.api.Assertions.assertTrue(r.message().contains("larger than a tokenizer file"), r.message());
    }

    @Property(seed = Robustness.SEED, tries = 20)
    void truncatedOrMissing(@ForAll @IntRange(min = 0, max = 3) int file, @ForAll @IntRange(min = 0, max = 2_000_000) int cut,
                            @ForAll boolean remove) throws IOException {
        byte[] v = valid[file];
        check("truncated", file, remove ? "removed" : "cut at " + cut % v.length, remove ? null : java.util.Arrays.copyOf(v, cut % v.length));
    }

    @Property(seed = Robustness.SEED, tries = 25)
    void bytesFlipped(@ForAll @IntRange(min = 0, max = 3) int file,
                      @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = 2_000_000) Integer> positions,
                      @ForAll @IntRange(min = 1, max = 255) int xor) throws IOException {
        byte[] b = valid[file].clone();
        for (int p : positions) b[p % b.length] ^= (byte) (xor + p); // includes bytes ≥ 0x80: invalid UTF-8
        check("bytes-flipped", file, "flipped at " + positions + " ^ " + xor, b);
    }

    @Property(seed = Robustness.SEED, tries = 30)
    void replacedContent(@ForAll @IntRange(min = 0, max = 3) int file, @ForAll @IntRange(min = 0, max = 13) int how) throws IOException {
        String content = switch (how) {
            case 0 -> "[\"a\", \"b\"]";
            case 1 -> "\"just a string\"";
            case 2 -> "null";
            case 3 -> "{\"<|startoftext|>\": 0, \"<|endoftext|>\": 1099511627776}";
            case 4 -> "{\"<|startoftext|>\": 49406, \"<|endoftext|>\": 49407, \"a\": 16000000}"; // ids past the text encoder
            case 5 -> "{\"<|startoftext|>\": \"49406\"}";
            case 6 -> "{\"model_max_length\": 100000, \"pad_token\": {\"content\": 7}}";
            case 7 -> "{\"model_max_length\": 1e30, \"pad_token\": \"no-such-token\"}";
            case 8 -> "{\"model_max_length\": 500}"; // longer than the text encoder's 77 positions
            case 9 -> "#version: 0.2\na b c\n";
            case 10 -> "#version: 0.2\n";
            case 11 -> "[".repeat(5000);
            case 12 -> "{\"pad_token\": [1, 2]}";
            default -> "";
        };
        check("replaced", file, "content " + how, content.getBytes(StandardCharsets.UTF_8));
    }

    @Example
    void aTokenizerWithIdsPastTheTextEncoderIsRefusedAtLoad() throws IOException {
        Robustness.Result r = check("examples", 0, "ids up to 16000000",
                "{\"<|startoftext|>\": 49406, \"<|endoftext|>\": 49407, \"a\": 16000000}".getBytes(StandardCharsets.UTF_8));
        org.junit.jupiter.api.Assertions.assertEquals("rejected", r.outcome());
        org.junit.jupiter.api.Assertions.assertTrue(r.message().contains("vocab_size is 49408"), r.message());
    }

    @Example
    void aContextLongerThanTheTextEncoderIsRefusedAtLoad() throws IOException {
        Robustness.Result r = check("examples", 2, "model_max_length 500", "{\"model_max_length\": 500}".getBytes(StandardCharsets.UTF_8));
        org.junit.jupiter.api.Assertions.assertEquals("rejected", r.outcome());
        org.junit.jupiter.api.Assertions.assertTrue(r.message().contains("max_position_embeddings 77"), r.message());
    }
}
