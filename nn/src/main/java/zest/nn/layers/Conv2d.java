package zest.nn.layers;

import java.util.random.RandomGenerator;
import zest.engine.Tensor;
import zest.engine.ops.Convolution;
import zest.nn.Init;
import zest.nn.Module;
import zest.nn.Parameter;

/** 2-D convolution over [B, C, H, W] with a square kernel (torch.nn.Conv2d; weight [out, in, k, k]). */
public final class Conv2d extends Module {
    public final int inChannels, outChannels, kernel, stride, padding;
    public final Parameter weight;
    public final Parameter bias;

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight = parameter("weight", outChannels, inChannels, kernel, kernel);
        this.bias = bias ? parameter("bias", outChannels) : null;
    }

    /** Stride 1, biased, "same" padding for odd kernels. */
    public Conv2d(int inChannels, int outChannels, int kernel) {
        this(inChannels, outChannels, kernel, 1, (kernel - 1) / 2, true);
    }

    public Tensor forward(Tensor x) {
        return Convolution.conv2d(x, weight.forCompute(), bias == null ? null : bias.forCompute(), stride, padding);
    }

    @Override
    protected void resetParameters(RandomGenerator rng) {
        double bound = 1 / Math.sqrt((double) inChannels * kernel * kernel);
        Init.uniform(weight, rng, bound);
        if (bias != null) Init.uniform(bias, rng, bound);
    }
}
