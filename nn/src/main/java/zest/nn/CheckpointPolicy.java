package zest.nn;

/**
 * Where gradient checkpointing pays: a segment on a grid of fewer than {@link #MIN_CELLS} cells keeps its
 * activations even with checkpointing on. In SD's UNet the channel count doubles each time the grid halves, so a
 * level's convolutions and projections cost about the same arithmetic at every level while its activations shrink
 * with the grid: the 16×16 and 8×8 levels of a 512 px image hold a fraction of the graph (the 64×64 level's
 * feed-forwards alone hold more) but a third of the recomputation. Below 32×32 the memory saved is not worth a
 * second forward. The gradient is the same bits either way.
 */
public final class CheckpointPolicy {
    /** Grid cells (height × width, or tokens) from which a segment is recomputed rather than kept: 32×32. */
    public static final int MIN_CELLS = 32 * 32;

    /** A minimum no grid reaches: checkpointing off. */
    public static final int OFF = Integer.MAX_VALUE;

    private CheckpointPolicy() {}
}
