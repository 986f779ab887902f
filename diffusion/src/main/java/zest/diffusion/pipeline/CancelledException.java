package zest.diffusion.pipeline;

/** A run stopped because its listener asked it to. */
public class CancelledException extends RuntimeException {
    public CancelledException() { super("generation cancelled"); }
}
