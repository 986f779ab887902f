package zest.diffusion.schedulers;

/** A scheduler config (or sampler name) that cannot be used; the message names the key and the offending value. */
public class SchedulerConfigException extends IllegalArgumentException {
    public SchedulerConfigException(String message) { super(message); }

    public SchedulerConfigException(String message, Throwable cause) { super(message, cause); }
}
