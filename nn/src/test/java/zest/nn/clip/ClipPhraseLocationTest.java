package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Mapping a segment's free text ("red apple") to the prompt token positions ZestGuide attends to. */
class ClipPhraseLocationTest {

    private static final String PROMPT = "a red apple and a blue cup on a wooden table";
    private final ClipTokenizer clip = ClipTestTokenizers.clip();

    @Test
    void phrasesMapToTheirTokenPositions() {
        assertEquals(List.of(2, 3), clip.findTokenPositions(PROMPT, "red apple"));
        assertEquals(List.of(6, 7), clip.findTokenPositions(PROMPT, "blue cup"));
        assertEquals(List.of(10, 11), clip.findTokenPositions(PROMPT, "wooden table"));
    }

    @Test
    void paddedIdsGiveTheSamePositions() {
        int[] ids = clip.encodePadded(PROMPT);
        assertEquals(List.of(2, 3), clip.findTokenPositions(ids, "red apple"));
        assertEquals(List.of(6, 7), clip.findTokenPositions(ids, "blue cup"));
    }

    @Test
    void caseAndSpacingOfThePhraseDoNotMatter() {
        assertEquals(List.of(2, 3), clip.findTokenPositions(PROMPT, "  Red\tAPPLE "));
    }

    @Test
    void everyOccurrenceIsReported() {
        PhraseMatch match = clip.locatePhrase("a red apple next to a red apple", "red apple");
        assertEquals(2, match.count());
        assertEquals(List.of(2, 7), match.starts());
        assertEquals(List.of(7, 8), match.positions(1));
        assertEquals(List.of(2, 3, 7, 8), match.allPositions());
    }

    @Test
    void overlappingOccurrencesAreAllReported() {
        PhraseMatch match = clip.locatePhrase("word word word", "word word");
        assertEquals(List.of(1, 2), match.starts());
        assertEquals(List.of(1, 2, 3), match.allPositions());
    }

    @Test
    void missingPhraseGivesAnEmptyMatch() {
        PhraseMatch match = clip.locatePhrase(PROMPT, "green pear");
        assertFalse(match.found());
        assertEquals(0, match.count());
        assertEquals(List.of(), match.allPositions());
        assertFalse(clip.locatePhrase(PROMPT, "").found());
        assertFalse(clip.locatePhrase(PROMPT, "   ").found());
    }

    @Test
    void phraseMustStartAtAWordBoundary() {
        // "dogwood" is dog + wood</w>: the phrase "wood" has the same id as the second piece but is not a word here.
        assertEquals(List.of("dog", "wood</w>"), pieces("dogwood"));
        assertFalse(clip.locatePhrase("a dogwood tree", "wood").found());
        assertEquals(List.of(2, 3), clip.findTokenPositions("a dogwood tree", "dogwood"));
    }

    @Test
    void multiPieceWordsCoverAllTheirPieces() {
        String prompt = "a supercalifragilisticexpialidocious cat";
        int pieceCount = clip.encode("supercalifragilisticexpialidocious").length;
        PhraseMatch match = clip.locatePhrase(prompt, "supercalifragilisticexpialidocious");
        assertEquals(1, match.count());
        assertEquals(pieceCount, match.positions(0).size());
        assertEquals(2, match.starts().getFirst());
    }

    @Test
    void phrasePastTheTruncationPointIsNotFound() {
        String prompt = "word ".repeat(80) + "red apple";
        assertFalse(clip.locatePhrase(prompt, "red apple").found());
        assertTrue(clip.locatePhrase(clip.encode(prompt), "red apple").found());
    }

    @Test
    void nothingAfterTheFirstEosIsSearched() {
        // SD 2.x pads with id 0 ("!"); whatever the padding, only the content before EOS can match.
        int a = clip.encode("a")[0];
        int bang = clip.encode("!")[0];
        assertFalse(clip.locatePhrase(new int[] {49406, a, 49407, bang, 0, 0}, "!").found());
        assertEquals(List.of(3), clip.withPadId(0).findTokenPositions("a cat!", "!"));
    }

    @Test
    void tokenizedPromptMapsPiecesToWords() {
        TokenizedPrompt prompt = clip.tokenizePrompt("A Dogwood, tree");
        assertEquals("a dogwood, tree", prompt.normalizedText());
        List<PromptToken> tokens = prompt.tokens();
        assertEquals(List.of("a</w>", "dog", "wood</w>", ",</w>", "tree</w>"), tokens.stream().map(PromptToken::piece).toList());
        assertEquals(List.of(1, 2, 3, 4, 5), tokens.stream().map(PromptToken::position).toList());
        assertEquals(List.of(0, 1, 1, 2, 3), tokens.stream().map(PromptToken::wordIndex).toList());
        assertEquals(List.of("a", "dogwood", "dogwood", ",", "tree"), tokens.stream().map(prompt::wordOf).toList());
        for (PromptToken token : tokens) assertEquals(prompt.ids()[token.position()], token.id());
    }

    private List<String> pieces(String text) {
        return clip.tokenizePrompt(text).tokens().stream().map(PromptToken::piece).toList();
    }
}
