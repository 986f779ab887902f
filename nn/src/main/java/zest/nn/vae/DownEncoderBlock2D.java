package zest.nn.vae;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.blocks.Downsample2D;
import zest.nn.blocks.ResnetBlock2D;
import zest.nn.layers.Activation;

/** VAE encoder block: resnets without time embedding, then a padded stride-2 conv (downsample padding 0). */
public final class DownEncoderBlock2D extends Module {
    public final ModuleList<ResnetBlock2D> resnets;
    public final ModuleList<Downsample2D> downsamplers;

    public DownEncoderBlock2D(int in, int out, int layers, int groups, float eps, Activation act, boolean addDownsample) {
        this.resnets = register("resnets", new ModuleList<>());
        for (int i = 0; i < layers; i++) resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, 0, groups, eps, act, 1f));
        this.downsamplers = addDownsample ? register("downsamplers", new ModuleList<>()) : null;
        if (addDownsample) downsamplers.add(new Downsample2D(out, out, 0));
    }

    public Tensor forward(Tensor x) {
        for (ResnetBlock2D r : resnets) x = r.forward(x, null);
        return downsamplers == null ? x : downsamplers.get(0).forward(x);
    }
}
