package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/** Broken tokenizer files fail at load time with a message naming the file and the problem. */
class ClipMalformedFilesTest {

    /** A five-token vocabulary: enough for the loader's checks and a one-merge BPE. */
    private static final String TINY_VOCAB = """
            {"a": 0, "b": 1, "ab</w>": 2, "<|startoftext|>": 3, "<|endoftext|>": 4}""";
    private static final String TINY_MERGES = "#version: 0.2\na b</w>\n";

    @Test
    void tinyVocabularyWorks() {
        ClipTokenizer tiny = load(TINY_VOCAB, TINY_MERGES);
        assertArrayEquals(new int[] {2}, tiny.encode("AB"));
        // "c" is not in the vocabulary: transformers maps unknown pieces to its unk token, <|endoftext|>.
        assertArrayEquals(new int[] {4}, tiny.encode("c"));
        assertArrayEquals(new int[] {3, 2, 4, 4}, tiny.tokenize("ab", 4));
    }

    @Test
    void vocabularyThatIsNotJson() {
        assertFails(() -> load("this is not json", TINY_MERGES), "vocab.json", "malformed JSON", "line 1");
    }

    @Test
    void vocabularyThatIsNotAnObject() {
        assertFails(() -> load("[\"a\", \"b\"]", TINY_MERGES), "vocab.json", "expected a JSON object", "an array");
        assertFails(() -> load("", TINY_MERGES), "vocab.json", "empty file");
    }

    @Test
    void vocabularyWithANonIntegerId() {
        assertFails(() -> load("{\"a\": 0, \"b\": \"1\"}", TINY_MERGES), "vocab.json", "\"b\"", "a string", "expected an integer");
        assertFails(() -> load("{\"a\": 0.5}", TINY_MERGES), "vocab.json", "\"a\"", "non-integer");
        assertFails(() -> load("{\"a\": -3}", TINY_MERGES), "vocab.json", "\"a\"", "-3");
    }

    @Test
    void truncatedVocabulary() {
        assertFails(() -> load("{\"a\": 0, \"b\": ", TINY_MERGES), "vocab.json", "malformed JSON");
    }

    @Test
    void vocabularyWithoutSpecialTokens() {
        assertFails(() -> load("{\"a\": 0, \"b\": 1}", TINY_MERGES), "vocab.json", "<|startoftext|>");
    }

    @Test
    void mergeLineWithThreeSymbols() {
        assertFails(() -> load(TINY_VOCAB, "#version: 0.2\na b\nx y z\n"), "merges.txt", "line 3", "found 3", "x y z");
    }

    @Test
    void mergeLineWithOneSymbol() {
        assertFails(() -> load(TINY_VOCAB, "#version: 0.2\na b\nc d\nlonely\n"), "merges.txt", "line 4", "found 1");
    }

    @Test
    void mergesWithoutAnyPair() {
        assertFails(() -> load(TINY_VOCAB, "#version: 0.2\n"), "merges.txt", "no merges");
    }

    @Test
    void mergesThatAreNotUtf8() {
        byte[] bytes = "#version: 0.2\na b\nc \u00ff\n".getBytes(StandardCharsets.ISO_8859_1);
        assertFails(() -> ClipTokenizer.load(stream(TINY_VOCAB), new ByteArrayInputStream(bytes)), "merges.txt", "line 3", "UTF-8");
    }

    @Test
    void missingFilesAreNamed(@TempDir Path folder) throws IOException {
        assertFails(() -> ClipTokenizer.fromDirectory(folder.resolve("nope")), "nope", "folder not found");
        assertFails(() -> ClipTokenizer.fromDirectory(folder), "vocab.json", "file not found");
        Files.writeString(folder.resolve("vocab.json"), TINY_VOCAB);
        assertFails(() -> ClipTokenizer.fromDirectory(folder), "merges.txt", "file not found");
        assertFails(() -> ClipTokenizer.load(folder, folder.resolve("merges.txt")), "is a folder");
    }

    @Test
    void badSpecialTokenFiles(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("vocab.json"), TINY_VOCAB);
        Files.writeString(folder.resolve("merges.txt"), TINY_MERGES);
        Files.writeString(folder.resolve("special_tokens_map.json"), "{\"pad_token\": \"<pad>\"}");
        assertFails(() -> ClipTokenizer.fromDirectory(folder), "pad_token", "\"<pad>\"", "not in vocab.json");
        Files.writeString(folder.resolve("special_tokens_map.json"), "{\"pad_token\": 7}");
        assertFails(() -> ClipTokenizer.fromDirectory(folder), "special_tokens_map.json", "pad_token must be a string");
        Files.writeString(folder.resolve("special_tokens_map.json"), "{\"pad_token\": ");
        assertFails(() -> ClipTokenizer.fromDirectory(folder), "special_tokens_map.json", "malformed JSON");
    }

    private static ClipTokenizer load(String vocab, String merges) {
        return ClipTokenizer.load(stream(vocab), stream(merges));
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertFails(Executable load, String... messageParts) {
        TokenizerException e = assertThrows(TokenizerException.class, load);
        for (String part : messageParts) {
            assertTrue(e.getMessage().contains(part), "message \"" + e.getMessage() + "\" should mention " + part);
        }
    }
}
