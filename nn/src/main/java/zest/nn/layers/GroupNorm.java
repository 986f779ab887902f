package zest.nn.layers;

import java.util.random.RandomGenerator;
import zest.engine.Tensor;
import zest.engine.ops.Normalization;
import zest.nn.Init;
import zest.nn.Module;
import zest.nn.Parameter;

/**
 * torch.nn.GroupNorm with affine weight/bias over dim 1 of [B, C, ...]. The eps differs by place in SD (1e-5 in
 * UNet resnets, 1e-6 in the UNet's transformer input norm and everywhere in the VAE), so it is always explicit.
 */
public final class GroupNorm extends Module {
    public final int groups, channels;
    public final float eps;
    public final Parameter weight, bias;

    public GroupNorm(int groups, int channels, float eps) {
        if (groups <= 0 || channels % groups != 0)
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels cannot be split into " + groups + " groups");
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        this.weight = parameter("weight", channels);
        this.bias = parameter("bias", channels);
    }

    public Tensor forward(Tensor x) {
        return Normalization.groupNorm(x, groups, weight.forCompute(), bias.forCompute(), eps);
    }

    @Override
    protected void resetParameters(RandomGenerator rng) {
        Init.constant(weight, 1f);
        Init.constant(bias, 0f);
    }
}
