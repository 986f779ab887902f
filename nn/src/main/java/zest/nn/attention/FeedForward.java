package zest.nn.attention;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.layers.Linear;

/**
 * diffusers' FeedForward with GEGLU: net.0 = GEGLU(dim → inner), net.1 = dropout (no weights), net.2 = Linear(inner → dim).
 * inner is 4·dim unless given.
 */
public final class FeedForward extends Module {
    public final GEGLU geglu;
    public final Linear out;

    public FeedForward(int dim, int innerDim) {
        ModuleList<Module> net = register("net", new ModuleList<>());
        this.geglu = (GEGLU) net.add(new GEGLU(dim, innerDim));
        net.add(new Dropout());
        this.out = (Linear) net.add(new Linear(innerDim, dim, true));
    }

    public Tensor forward(Tensor x) {
        return out.forward(geglu.forward(x));
    }

    /** A placeholder that keeps the diffusers numbering (net.1); dropout is the identity at inference. */
    static final class Dropout extends Module {}
}
