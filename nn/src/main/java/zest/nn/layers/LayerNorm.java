package zest.nn.layers;

import java.util.random.RandomGenerator;
import zest.engine.Tensor;
import zest.engine.ops.Normalization;
import zest.nn.Init;
import zest.nn.Module;
import zest.nn.Parameter;

/** torch.nn.LayerNorm over the last dim, with affine weight/bias. */
public final class LayerNorm extends Module {
    public final int dim;
    public final float eps;
    public final Parameter weight, bias;

    public LayerNorm(int dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight = parameter("weight", dim);
        this.bias = parameter("bias", dim);
    }

    public Tensor forward(Tensor x) {
        return Normalization.layerNorm(x, weight.forCompute(), bias.forCompute(), eps);
    }

    @Override
    protected void resetParameters(RandomGenerator rng) {
        Init.constant(weight, 1f);
        Init.constant(bias, 0f);
    }
}
