package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Literal special-token strings inside prompt text. */
class ClipSpecialTokensTest {

    private final ClipTokenizer clip = ClipTestTokenizers.clip();

    @Test
    void specialIdsComeFromTheVocabulary() {
        assertEquals(49406, clip.bosId());
        assertEquals(49407, clip.eosId());
        assertEquals(49407, clip.padId());
        assertEquals(49408, clip.vocabularySize());
    }

    @Test
    void literalSpecialStringsBecomeTheirIds() {
        assertArrayEquals(new int[] {49406}, clip.encode("<|startoftext|>"));
        assertArrayEquals(new int[] {49407}, clip.encode("<|endoftext|>"));
        assertArrayEquals(new int[] {49406, 49407}, clip.encode("<|startoftext|><|endoftext|>"));
    }

    @Test
    void specialStringIsCutOutBeforePunctuationCanSwallowIt() {
        int[] hello = clip.encode("hello!");
        assertArrayEquals(append(hello, 49407), clip.encode("hello!<|endoftext|>"));
    }

    @Test
    void upperCaseSpellingIsSpecialAfterLowerCasing() {
        // transformers' trie misses it, but the lower-cased word hits CLIP's BPE cache entry for the special.
        assertArrayEquals(new int[] {49407}, clip.encode("<|ENDOFTEXT|>"));
    }

    @Test
    void partialSpecialStringIsOrdinaryText() {
        int[] ids = clip.encode("<|endoftext");
        for (int id : ids) assertEquals(false, id == 49407 || id == 49406, "no special id in " + java.util.Arrays.toString(ids));
    }

    @Test
    void specialInsidePromptStaysWithinThePaddedSequence() {
        int[] ids = clip.encodePadded("a <|endoftext|> b");
        assertEquals(49406, ids[0]);
        assertEquals(49407, ids[2]);
        assertEquals(clip.encode("b")[0], ids[3]);
        assertEquals(49407, ids[4]);
    }

    private static int[] append(int[] ids, int id) {
        int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }
}
