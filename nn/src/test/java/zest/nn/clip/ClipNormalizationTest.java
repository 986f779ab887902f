package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The text clean-up steps on their own. Expected values were produced with CPython 3.11 ({@code str.lower},
 * BERT's BasicTokenizer code); the FTFY_LITE ones follow ftfy 6.3's documented fixes.
 */
class ClipNormalizationTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "xΣ6, xς6",            // final sigma: cased letter before, no cased letter after
        "ΣΑΣ, σας",
        "aΣ🏽, aς🏽",           // the emoji modifier is case-ignorable
        "ὈΔΥΣΣΕΎΣ, ὀδυσσεύς",
        "a.Σ, a.ς",            // '.' is case-ignorable (MidNumLet)
        "Σ, σ",                // nothing cased before: not final
        "aΣ.b, aσ.b",
        "İstanbul, i̇stanbul",  // the one multi-character lower-case mapping
        "ǅ, ǆ",
        "MiXeD, mixed",
    })
    void lowerCaseFollowsPython(String text, String lower) {
        assertEquals(lower, PythonLowerCase.lower(text));
    }

    @Test
    void basicDropsControlsAndFormatCharactersAndCollapsesWhitespace() {
        assertEquals("ab c d", BasicNormalizer.normalize("a\u200Db\u0000\t c\u00A0\u2028 d\u0007\uFFFD"));
        assertEquals("x", BasicNormalizer.normalize("\uD800x\uDFFF"));  // lone surrogates are "Cs"
    }

    @Test
    void basicSpacesOutCjkIdeographsButNotKana() {
        assertEquals("日 本 語 のテキスト", BasicNormalizer.normalize("日本語のテキスト"));
    }

    @Test
    void basicComposesToNfcAndKeepsAccents() {
        assertEquals("café", BasicNormalizer.normalize("Cafe\u0301"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "A&amp;B &lt;tag&gt; | a&b <tag>",
        "&amp;lt; | <",                              // repeated until nothing changes
        "&#65;&#x42;&EACUTE; | abé",
        "&alpha; &bogus; | &alpha; &bogus;",         // unknown names stay text
        "<b>&amp;</b> | <b>&amp;</b>",               // looks like markup: ftfy leaves entities alone
        "don’t “smart” | don't \"smart\"",
        "ＡＢＣ　ｄｅｆ | abc def",
        "ﬁsh ﬂow | fish flow",
        "cafÃ© | café",                              // UTF-8 read as Latin-1
        "itâ€™s | it's",                             // UTF-8 read as Windows-1252, then uncurled
        "naïve café Ångström | naïve café ångström", // ordinary accents are not mojibake
        "a\u001B[31mred\u001B[0m | ared",
        "日本語 | 日本語",                              // no CJK spacing in ftfy mode
    })
    void ftfyLiteFixes(String text, String expected) {
        assertEquals(expected, FtfyLiteNormalizer.normalize(text));
    }

    @Test
    void ftfyLiteKeepsZeroWidthJoinersAndReplacesLoneSurrogates() {
        assertEquals("👩\u200D💻 \uFFFD", FtfyLiteNormalizer.normalize("👩\u200D💻 \uD800"));
    }
}
