package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The 40 prompts of tokenizer_cases.json, tokenized by transformers' CLIPTokenizer (see clip-vocab/README.md). */
class ClipReferenceCasesTest {

    record Case(int index, String text, int[] ids, int[] idsFtfy, List<String> tokens) {
        @Override
        public String toString() {
            return "#" + index + " \"" + text.replace("\n", "\\n").replace("\t", "\\t") + "\"";
        }
    }

    static List<Case> cases() throws IOException {
        JsonNode root;
        try (InputStream in = ClipTestTokenizers.resource("tokenizer_cases.json")) {
            root = new ObjectMapper().readTree(in);
        }
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : root) {
            List<String> tokens = new ArrayList<>();
            c.get("tokens").forEach(t -> tokens.add(t.textValue()));
            cases.add(new Case(cases.size(), c.get("text").textValue(), ints(c.get("ids")), ints(c.get("ids_ftfy")), tokens));
        }
        return cases;
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) values[i] = array.get(i).intValue();
        return values;
    }

    static Stream<Arguments> referenceCases() throws IOException {
        return cases().stream().map(Arguments::of);
    }

    @Test
    void fixtureHasFortyCases() throws IOException {
        assertEquals(40, cases().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void basicNormalizationReproducesIds(Case c) {
        assertArrayEquals(c.ids(), ClipTestTokenizers.clip().encodePadded(c.text()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void ftfyLiteNormalizationReproducesIdsFtfy(Case c) {
        assertArrayEquals(c.idsFtfy(), ClipTestTokenizers.clip().withNormalization(Normalization.FTFY_LITE).encodePadded(c.text()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void pieceStringsMatchReferenceTokens(Case c) {
        TokenizedPrompt prompt = ClipTestTokenizers.clip().tokenizePrompt(c.text());
        List<String> pieces = new ArrayList<>();
        pieces.add(ClipTokenizer.START_OF_TEXT);
        prompt.tokens().forEach(t -> pieces.add(t.piece()));
        pieces.add(ClipTokenizer.END_OF_TEXT);
        // The reference lists tokens up to and including the first <|endoftext|>, which may be a literal one.
        assertEquals(c.tokens(), pieces.subList(0, pieces.indexOf(ClipTokenizer.END_OF_TEXT) + 1));
    }
}
