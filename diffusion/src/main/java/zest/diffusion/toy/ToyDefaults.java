package zest.diffusion.toy;

/**
 * Generation settings for the toy model used by {@code zest demo} and {@code zest eval} unless told otherwise.
 * They differ from SD's (50 steps, CFG 7.5, η 0.3): the toy model works in pixel space at 32 px, where fewer
 * steps suffice; η and the CFG scale were chosen with {@code zest eval --sweep} (README, evaluation).
 */
public final class ToyDefaults {
    public static final int STEPS = 25;
    public static final float CFG = 3f;
    public static final float ETA = 0.3f;
    public static final float TAU = 0.5f;
    public static final long DEMO_SEED = 1;

    private ToyDefaults() {}
}
