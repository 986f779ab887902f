package zest.diffusion.zestguide;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import zest.diffusion.model.ModelLoader;
import zest.nn.clip.ClipTokenizer;

/** Segment texts → token positions in the padded prompt (BOS at 0), with the warnings a user sees. */
class SegmentTokensTest {
    static final ClipTokenizer TOK = ModelLoader.bundledTokenizer();
    final List<String> warnings = new ArrayList<>();

    int[][] locate(String prompt, String... texts) {
        return SegmentTokens.locate(TOK, TOK.encodePadded(prompt), List.of(texts), warnings::add);
    }

    @Test
    void found() {
        int[][] t = locate("a red apple and a blue cup on a table", "red apple", "blue cup", "table");
        assertArrayEquals(new int[] {2, 3}, t[0]);
        assertArrayEquals(new int[] {6, 7}, t[1]);
        assertArrayEquals(new int[] {10}, t[2]);
        assertEquals(List.of(), warnings);
    }

    @Test
    void caseAndPunctuationDoNotMatter() {
        int[][] t = locate("A Red Apple, and a BLUE cup.", "red apple", "Blue Cup");
        assertArrayEquals(new int[] {2, 3}, t[0]);
        assertArrayEquals(new int[] {7, 8}, t[1]);
        assertEquals(List.of(), warnings);
    }

    @Test
    void repeatedTextGuidesEveryOccurrenceWithAWarning() {
        int[][] t = locate("a red apple next to a red apple", "red apple");
        assertArrayEquals(new int[] {2, 3, 7, 8}, t[0]);
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("red apple") && warnings.getFirst().contains("2 times"), warnings.getFirst());
    }

    @Test
    void partlyMissingWarnsNamingTheWords() {
        int[][] t = locate("an apple on a table", "green apple", "wooden table");
        assertArrayEquals(new int[] {2}, t[0]);
        assertArrayEquals(new int[] {5}, t[1]);
        assertEquals(2, warnings.size());
        assertTrue(warnings.get(0).contains("green") && !warnings.get(0).contains("apple,"), warnings.get(0));
        assertTrue(warnings.get(1).contains("wooden"), warnings.get(1));
    }

    /** "cup" does not match the first piece of "cupboard": whole words only. */
    @Test
    void notFoundAtAllIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> locate("a red apple", "red apple", "blue cup"));
        assertTrue(e.getMessage().contains("blue cup"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> locate("a cupboard", "cup"));
    }

    /** Words past the 77-token window are not in the prompt. */
    @Test
    void truncatedAwayIsNotFound() {
        String prompt = "word ".repeat(80) + "blue cup";
        var e = assertThrows(IllegalArgumentException.class, () -> locate(prompt, "blue cup"));
        assertTrue(e.getMessage().contains("75 tokens"), e.getMessage());
    }
}
