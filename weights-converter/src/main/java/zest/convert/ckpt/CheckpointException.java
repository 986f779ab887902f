package zest.convert.ckpt;

/**
 * A PyTorch checkpoint (.ckpt) cannot be read: a broken zip, a malformed or truncated pickle, an unsupported storage,
 * or a pickle that asks for something a tensor checkpoint never needs (refused before anything runs). The message
 * names the file and what is wrong; the CLI reports it as bad input (exit code 2).
 */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) { super(message); }

    public CheckpointException(String message, Throwable cause) { super(message, cause); }
}
