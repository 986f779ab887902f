package zest.engine.io;

import java.nio.file.Path;

/**
 * A safetensors file could not be read or written: malformed or unsupported content, or an I/O failure (then the
 * {@link #getCause() cause} is the {@link java.io.IOException}). The message always names the file and, where one is
 * involved, the tensor.
 */
public class SafetensorsException extends RuntimeException {
    private final Path file;
    private final String tensor;

    public SafetensorsException(String message) {
        this(message, (Throwable) null);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
        this.file = null;
        this.tensor = null;
    }

    /** "FILE: tensor 'T': DETAIL" (the tensor part only when {@code tensor} is not null). */
    public SafetensorsException(Path file, String tensor, String detail, Throwable cause) {
        super(format(file, tensor, detail), cause);
        this.file = file;
        this.tensor = tensor;
    }

    public SafetensorsException(Path file, String tensor, String detail) {
        this(file, tensor, detail, null);
    }

    /** The file concerned, or null when the exception was made from a bare message. */
    public Path file() { return file; }

    /** The tensor concerned, or null. */
    public String tensor() { return tensor; }

    private static String format(Path file, String tensor, String detail) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<unknown file>" : file.toString()).append(": ");
        if (tensor != null) sb.append("tensor '").append(abbreviate(tensor)).append("': ");
        return sb.append(detail).toString();
    }

    /** Tensor names come from untrusted files: keep messages short. */
    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...(" + s.length() + " chars)";
    }
}
