package zest.diffusion.toy;

/**
 * Linear warm-up to the peak rate, then a cosine decay to {@code floor}·peak at the last step: the common
 * diffusion-training schedule; the floor keeps the late steps still learning a little.
 */
public record LearningRate(double peak, int warmupSteps, int totalSteps, double floor) {

    /** The rate for 0-based step {@code step}. */
    public double at(long step) {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        long span = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (double) (step - warmupSteps) / span);
        return peak * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
