package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BOS/EOS framing, truncation to the context, and the pad id (SD 1.x: EOS, SD 2.x: "!" = 0). */
class ClipPaddingTest {

    private final ClipTokenizer clip = ClipTestTokenizers.clip();
    private final int word = clip.encode("word")[0];

    @Test
    void emptyPromptIsBosEosAndPadding() {
        int[] ids = clip.encodePadded("");
        assertEquals(77, ids.length);
        assertEquals(49406, ids[0]);
        for (int i = 1; i < 77; i++) assertEquals(49407, ids[i]);
        assertEquals(0, clip.encode("").length);
    }

    @Test
    void seventyFiveTokensFitExactly() {
        int[] ids = clip.encodePadded("word ".repeat(75));
        for (int i = 1; i <= 75; i++) assertEquals(word, ids[i]);
        assertEquals(49407, ids[76]);
        assertFalse(clip.tokenizePrompt("word ".repeat(75)).truncated());
    }

    @Test
    void longerPromptsKeepTheFirstSeventyFiveTokensAndEndWithEos() {
        int[] ids = clip.encodePadded("word ".repeat(100));
        assertEquals(77, ids.length);
        for (int i = 1; i <= 75; i++) assertEquals(word, ids[i]);
        assertEquals(49407, ids[76]);
        TokenizedPrompt prompt = clip.tokenizePrompt("word ".repeat(100));
        assertTrue(prompt.truncated());
        assertEquals(25, prompt.droppedTokens());
        assertEquals(75, prompt.tokens().size());
        assertEquals(100, clip.encode("word ".repeat(100)).length);
    }

    @Test
    void explicitMaxLength() {
        assertArrayEquals(new int[] {49406, word, word, 49407}, clip.tokenize("word word word", 4));
        assertArrayEquals(new int[] {49406, 49407}, clip.tokenize("word", 2));
        assertArrayEquals(new int[] {49406, word, 49407, 49407, 49407}, clip.tokenize("word", 5));
        assertThrows(IllegalArgumentException.class, () -> clip.tokenize("word", 1));
    }

    @Test
    void padIdOnlyFillsAfterEos() {
        int[] ids = clip.withPadId(0).encodePadded("word");
        assertArrayEquals(new int[] {49406, word, 49407, 0}, Arrays.copyOf(ids, 4));
        for (int i = 3; i < 77; i++) assertEquals(0, ids[i]);
        assertThrows(IllegalArgumentException.class, () -> clip.withPadId(49408));
    }

    @Test
    void folderWithoutSpecialTokenFilesPadsWithEos(@TempDir Path folder) throws IOException {
        ClipTestTokenizers.copyVocabularyTo(folder);
        ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(folder);
        assertEquals(49407, tokenizer.padId());
        assertEquals(77, tokenizer.contextLength());
    }

    @Test
    void sd1SpecialTokensMapPadsWithEos(@TempDir Path folder) throws IOException {
        ClipTestTokenizers.copyVocabularyTo(folder);
        Files.writeString(folder.resolve("special_tokens_map.json"), """
                {"bos_token": {"content": "<|startoftext|>", "lstrip": false},
                 "eos_token": {"content": "<|endoftext|>", "lstrip": false},
                 "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}""");
        assertEquals(49407, ClipTokenizer.fromDirectory(folder).padId());
    }

    @Test
    void sd2SpecialTokensMapPadsWithExclamationMark(@TempDir Path folder) throws IOException {
        ClipTestTokenizers.copyVocabularyTo(folder);
        Files.writeString(folder.resolve("special_tokens_map.json"), """
                {"pad_token": {"content": "!", "lstrip": false, "normalized": false}}""");
        ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(folder);
        assertEquals(0, tokenizer.padId());
        assertEquals(0, tokenizer.encodePadded("a cat")[76]);
    }

    @Test
    void tokenizerConfigIsUsedWhenSpecialTokensMapHasNoPad(@TempDir Path folder) throws IOException {
        ClipTestTokenizers.copyVocabularyTo(folder);
        Files.writeString(folder.resolve("special_tokens_map.json"), "{\"bos_token\": \"<|startoftext|>\"}");
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"pad_token\": \"!\", \"model_max_length\": 64}");
        ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(folder);
        assertEquals(0, tokenizer.padId());
        assertEquals(64, tokenizer.contextLength());
        assertEquals(64, tokenizer.encodePadded("a cat").length);
    }

    @Test
    void placeholderModelMaxLengthIsIgnored(@TempDir Path folder) throws IOException {
        ClipTestTokenizers.copyVocabularyTo(folder);
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"model_max_length\": 1000000000000000019884624838656}");
        assertEquals(77, ClipTokenizer.fromDirectory(folder).contextLength());
    }
}
