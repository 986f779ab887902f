package zest.engine.autograd;

import java.util.function.UnaryOperator;
import zest.engine.GradMode;
import zest.engine.Tensor;

/**
 * Gradient checkpointing: a segment {@code y = f(x)} runs without recording, and the graph keeps only x; the
 * backward re-runs f on x with recording on and back-propagates through that fresh graph. Memory for the
 * segment's activations is spent one segment at a time, during its backward, for one more forward of it.
 *
 * <p>The gradients are bit for bit those of the plain graph when the segment is what it claims to be: f's only
 * input that requires grad is x, x has exactly one consumer inside f, and nothing inside f is read outside it (no
 * tensor handed to a hook for a loss). Then the same ops run on the same values, the segment's gradient reaches x
 * as the one term its consumer would have given, and the outer backward adds x's terms in the same order (the
 * segment's nodes formed one contiguous run of the topological order, where the checkpoint node now stands).
 * Segments inside a segment being recomputed run plainly, so nothing is recomputed twice.
 */
public final class Checkpoint {
    private static final ThreadLocal<int[]> RECOMPUTING = ThreadLocal.withInitial(() -> new int[1]);

    private Checkpoint() {}

    /**
     * Whether this thread is re-running a checkpointed segment inside a backward. Code with side effects in a
     * segment (a hook that counts or records what it sees) runs twice for one forward; this tells the second time.
     */
    public static boolean recomputing() { return RECOMPUTING.get()[0] > 0; }

    /** f(x), recorded as one node that recomputes f in the backward; plain f(x) when no graph would be recorded. */
    public static Tensor run(UnaryOperator<Tensor> f, Tensor x) {
        int[] depth = RECOMPUTING.get();
        if (!GradMode.isEnabled() || !x.requiresGrad() || depth[0] > 0) return f.apply(x);
        Tensor y;
        try (var ignored = GradMode.noGrad()) {
            y = f.apply(x);
        }
        if (y == x) return y;
        // the recorded node must sit on a result of its own: f's output may be a view sharing x's tensor object
        Tensor out = y.detach();
        return out.recordIfNeeded("checkpoint", g -> {
            Tensor xr = x.detach().requiresGrad(true);
            Tensor yr;
            depth[0]++;
            try (var ignored = GradMode.enableGrad()) {
                yr = f.apply(xr);
            } finally {
                depth[0]--;
            }
            if (!yr.requiresGrad()) return new Tensor[] {null};
            yr.backward(g);
            return new Tensor[] {xr.grad()};
        }, x);
    }
}
