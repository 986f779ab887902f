package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants over arbitrary Unicode, including lone surrogates, controls and unassigned code points. */
class ClipTokenizerPropertiesTest {

    private final ClipTokenizer basic = ClipTestTokenizers.clip();
    private final ClipTokenizer ftfyLite = basic.withNormalization(Normalization.FTFY_LITE);

    @Provide
    Arbitrary<String> anyText() {
        Arbitrary<String> anyChars = Arbitraries.strings().all().ofMaxLength(120);
        Arbitrary<String> anyCodePoints = Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                .list().ofMaxSize(60)
                .map(cps -> cps.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
        // Prompt-like text with the characters the normalizers treat specially.
        Arbitrary<String> tricky = Arbitraries.strings()
                .withChars("aZ é'sS&;#x<|>!？日本ﬁＡÃ©â€™\u200d\u0345\u00a0\t\n\u2028 ")
                .withChars("<|endoftext|>")
                .ofMaxLength(80);
        return Arbitraries.oneOf(anyChars, anyCodePoints, tricky);
    }

    @Property(tries = 200)
    void encodeYieldsVocabularyIds(@ForAll("anyText") String text) {
        for (ClipTokenizer tokenizer : new ClipTokenizer[] {basic, ftfyLite}) {
            for (int id : tokenizer.encode(text)) {
                assertTrue(id >= 0 && id < 49408, "id " + id + " for " + escape(text));
            }
        }
    }

    @Property(tries = 200)
    void paddedSequenceIsFramed(@ForAll("anyText") String text) {
        int[] ids = basic.encodePadded(text);
        assertEquals(77, ids.length);
        assertEquals(49406, ids[0]);
        int content = Math.min(basic.encode(text).length, 75);
        assertEquals(49407, ids[content + 1]);
    }

    @Property(tries = 150)
    void piecesPointIntoTheNormalizedText(@ForAll("anyText") String text) {
        TokenizedPrompt prompt = basic.tokenizePrompt(text);
        int[] ids = prompt.ids();
        for (PromptToken token : prompt.tokens()) {
            assertEquals(ids[token.position()], token.id());
            assertTrue(0 <= token.wordStart() && token.wordStart() < token.wordEnd()
                    && token.wordEnd() <= prompt.normalizedText().length());
        }
    }

    @Property(tries = 150)
    void decodingNeverThrows(@ForAll("anyText") String text) {
        basic.decode(basic.encode(text));
    }

    @Property(tries = 100)
    void everyWordOfAPromptIsFoundAsAPhrase(@ForAll("anyText") String text) {
        TokenizedPrompt prompt = basic.tokenizePrompt(text);
        int[] ids = prompt.ids();
        for (PromptToken token : prompt.tokens()) {
            if (token.id() == 49407 || token.id() == 49406) continue;
            String word = prompt.wordOf(token);
            assertTrue(basic.locatePhrase(ids, word).allPositions().contains(token.position()) || truncatedWord(prompt, token),
                    "word " + escape(word) + " at " + token.position() + " in " + escape(text));
        }
    }

    /** A word whose last pieces were cut off by truncation cannot match as a whole. */
    private static boolean truncatedWord(TokenizedPrompt prompt, PromptToken token) {
        PromptToken last = prompt.tokens().getLast();
        return prompt.truncated() && last.wordIndex() == token.wordIndex();
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) out.appendCodePoint(cp); else out.append(String.format("\\u{%X}", cp));
        });
        return out.append('"').toString();
    }
}
