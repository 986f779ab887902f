package zest.nn.clip;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Guards against complexity regressions, not a benchmark. Typical figures: loading 0.05-0.5 s, a prompt of
 * known words 3-10 us. The bounds leave a 10-100x margin for an overloaded CI machine, so only something
 * pathological (a quadratic loop, a per-call regex compile) fails.
 */
class ClipTokenizerSpeedTest {

    private static final String PROMPT = "a painting of a fox sitting in a field at sunrise, trending on artstation, 4k";

    @Test
    void loadingTheFullVocabularyIsNotPathologicallySlow() throws IOException {
        long start = System.nanoTime();
        try (InputStream vocab = ClipTestTokenizers.resource("vocab.json");
             InputStream merges = ClipTestTokenizers.resource("merges.txt")) {
            ClipTokenizer.load(vocab, merges);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 10, "loading took " + seconds + " s");
    }

    @Test
    void repeatedPromptsTokenizeInMicroseconds() {
        ClipTokenizer clip = ClipTestTokenizers.clip();
        for (int i = 0; i < 2_000; i++) clip.encodePadded(PROMPT);
        int n = 5_000;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) clip.encodePadded(PROMPT);
        double micros = (System.nanoTime() - start) / 1e3 / n;
        assertTrue(micros < 2_000, "one prompt took " + micros + " us");
    }

    @Test
    void aVeryLongWordStaysFast() {
        // 2,000 bytes in one word: BPE must not be quadratic in hash lookups.
        long start = System.nanoTime();
        ClipTestTokenizers.clip().encode("ж".repeat(1_000));
        double millis = (System.nanoTime() - start) / 1e6;
        assertTrue(millis < 2_000, "took " + millis + " ms");
    }
}
