package zest.nn.layers;

import java.util.random.RandomGenerator;
import zest.engine.Tensor;
import zest.nn.Init;
import zest.nn.Module;
import zest.nn.Parameter;

/** A lookup table [num, dim] indexed by integer ids (torch.nn.Embedding). */
public final class Embedding extends Module {
    public final int num, dim;
    public final Parameter weight;

    public Embedding(int num, int dim) {
        this.num = num;
        this.dim = dim;
        this.weight = parameter("weight", num, dim);
    }

    /** ids of any shape (I64/I32, or floats holding integers) → [..., dim]. */
    public Tensor forward(Tensor ids) {
        return zest.engine.ops.Embedding.embedding(weight.value(), ids);
    }

    @Override
    protected void resetParameters(RandomGenerator rng) {
        Init.normal(weight, rng, 0, 1);
    }
}
