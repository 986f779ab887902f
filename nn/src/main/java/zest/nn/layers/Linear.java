package zest.nn.layers;

import java.util.random.RandomGenerator;
import zest.engine.Tensor;
import zest.engine.ops.LinearAlgebra;
import zest.nn.Init;
import zest.nn.Module;
import zest.nn.Parameter;

/** y = x·Wᵀ + b over the last dim (torch.nn.Linear; weight [out, in]). */
public final class Linear extends Module {
    public final int inFeatures, outFeatures;
    public final Parameter weight;
    public final Parameter bias;

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = parameter("weight", outFeatures, inFeatures);
        this.bias = bias ? parameter("bias", outFeatures) : null;
    }

    public Tensor forward(Tensor x) {
        return LinearAlgebra.linear(x, weight.forCompute(), bias == null ? null : bias.forCompute());
    }

    @Override
    protected void resetParameters(RandomGenerator rng) {
        double bound = 1 / Math.sqrt(inFeatures);
        Init.uniform(weight, rng, bound);
        if (bias != null) Init.uniform(bias, rng, bound);
    }
}
