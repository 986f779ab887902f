package zest.nn.clip;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The CLIP vocabulary from test resources, loaded once for all test classes. */
final class ClipTestTokenizers {

    private static ClipTokenizer clip;

    private ClipTestTokenizers() {}

    static synchronized ClipTokenizer clip() {
        if (clip == null) {
            try (InputStream vocab = resource("vocab.json"); InputStream merges = resource("merges.txt")) {
                clip = ClipTokenizer.load(vocab, merges);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return clip;
    }

    static InputStream resource(String name) {
        InputStream in = ClipTestTokenizers.class.getResourceAsStream("/clip/" + name);
        if (in == null) throw new IllegalStateException("missing test resource clip/" + name);
        return in;
    }

    /** Copies vocab.json and merges.txt into {@code folder}, making it a tokenizer folder. */
    static void copyVocabularyTo(Path folder) throws IOException {
        for (String name : new String[] {"vocab.json", "merges.txt"}) {
            try (InputStream in = resource(name)) {
                Files.copy(in, folder.resolve(name));
            }
        }
    }
}
