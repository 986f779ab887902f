package zest.nn.vae;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.attention.Attention;
import zest.nn.blocks.ResnetBlock2D;
import zest.nn.layers.Activation;

/** The VAE's middle: resnets.0 → attentions.0 (one head over all channels, residual) → resnets.1. */
public final class UNetMidBlock2D extends Module {
    public final ModuleList<Attention> attentions;
    public final ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2D(int channels, int groups, float eps, Activation act, boolean addAttention) {
        this.attentions = addAttention ? register("attentions", new ModuleList<>()) : null;
        if (addAttention) attentions.add(Attention.vaeMidBlock(channels, groups, eps, 1f));
        this.resnets = register("resnets", new ModuleList<>());
        resnets.add(new ResnetBlock2D(channels, channels, 0, groups, eps, act, 1f));
        resnets.add(new ResnetBlock2D(channels, channels, 0, groups, eps, act, 1f));
    }

    public Tensor forward(Tensor x) {
        x = resnets.get(0).forward(x, null);
        if (attentions != null) x = attentions.get(0).forwardSpatial(x, null);
        return resnets.get(1).forward(x, null);
    }
}
