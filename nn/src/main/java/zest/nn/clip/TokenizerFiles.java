package zest.nn.clip;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.BiFunction;

/** Opens a tokenizer file, turning "not there" and I/O failures into a {@link TokenizerException} naming it. */
final class TokenizerFiles {

    /** CLIP's vocab.json is 1 MB and merges.txt 0.5 MB; a file this large is damaged, and is refused before it is read. */
    static final long MAX_BYTES = 64L << 20;

    private TokenizerFiles() {}

    static <T> T read(Path file, BiFunction<InputStream, String, T> parser) {
        if (Files.isDirectory(file)) throw new TokenizerException(file + ": is a folder, expected a file");
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES)
                throw new TokenizerException(file + ": " + size + " bytes is far larger than a tokenizer file (at most " + (MAX_BYTES >> 20) + " MB)");
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file + ": file not found", e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e, e);
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return parser.apply(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file + ": file not found", e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e, e);
        }
    }
}
