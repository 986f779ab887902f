package zest.diffusion.pipeline;

/** Called by the pipeline as denoising proceeds; programs use it to show progress or previews, or to cancel. */
@FunctionalInterface
public interface ProgressListener {
    /** After step {@code step} (1-based) of {@code total}; {@code info} carries the step's details. */
    void onStep(int step, int total, StepInfo info);

    ProgressListener NONE = (s, t, i) -> { };

    /** Throw from a listener (or check {@link #cancelled()}) to stop a run. */
    default boolean cancelled() { return false; }
}
