package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The hand-written word split agrees with CLIP's regex on any text, normalized or not. */
class ClipWordScannerTest {

    private static final Pattern REGEX = Pattern.compile(ClipWordScanner.PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    @Provide
    Arbitrary<String> anyText() {
        Arbitrary<String> anyChars = Arbitraries.strings().all().ofMaxLength(80);
        Arbitrary<String> anyCodePoints = Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                .list().ofMaxSize(40)
                .map(cps -> cps.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
        Arbitrary<String> contractions = Arbitraries.strings()
                .withChars("'sStTrReEvVmMlLdDſ x!<|>\u0345\u00a0\u2028\u0085\u001c")
                .withChars("<|startoftext|><|endoftext|>")
                .ofMaxLength(40);
        return Arbitraries.oneOf(anyChars, anyCodePoints, contractions);
    }

    @Property(tries = 500)
    void scannerSplitsLikeTheRegex(@ForAll("anyText") String text) {
        assertEquals(regexWords(text), scannerWords(text));
    }

    @Example
    void typicalPrompt() {
        assertEquals(List.of("it", "'s", "a", "4", "k", "!!", "<|endoftext|>", "dog", "'S", "toy", "'ll"),
                scannerWords("it's a 4k !! <|endoftext|> dog'S toy'll"));
        assertEquals(List.of("!<|", "endoftext", "|>"), scannerWords("!<|endoftext|>"));
        assertEquals(List.of("a", "b"), scannerWords("a\u0345b"));
    }

    private static List<String> regexWords(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = REGEX.matcher(text);
        while (m.find()) words.add(m.group());
        return words;
    }

    private static List<String> scannerWords(String text) {
        List<String> words = new ArrayList<>();
        ClipWordScanner.scan(text, (start, end) -> words.add(text.substring(start, end)));
        return words;
    }
}
