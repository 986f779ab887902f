package zest.diffusion.checkpoint;

/**
 * A checkpoint path the user gave cannot be inspected or converted as asked: missing, of an unsupported kind, or an
 * output that would clobber something. The CLI reports it as bad input (exit code 2): the message names the path.
 */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) { super(message); }

    public CheckpointException(String message, Throwable cause) { super(message, cause); }
}
