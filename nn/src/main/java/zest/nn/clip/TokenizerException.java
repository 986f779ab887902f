package zest.nn.clip;

/**
 * A tokenizer file is missing or malformed, or an id cannot be decoded.
 *
 * <p>Messages name the file and the problem (line number for merges, key for the vocabulary), so a user
 * who points the loader at the wrong folder sees what to fix instead of an NPE deep inside the BPE loop.
 */
public final class TokenizerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
