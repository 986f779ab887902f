package zest.diffusion.layout;

/** A layout (mask images, labels) that cannot be used; the message names the file and the problem. */
public class LayoutException extends RuntimeException {
    public LayoutException(String message) { super(message); }

    public LayoutException(String message, Throwable cause) { super(message, cause); }
}
