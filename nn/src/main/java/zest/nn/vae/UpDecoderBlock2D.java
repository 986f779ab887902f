package zest.nn.vae;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.blocks.ResnetBlock2D;
import zest.nn.blocks.Upsample2D;
import zest.nn.layers.Activation;

/** VAE decoder block: resnets without time embedding, then nearest ×2 + conv. */
public final class UpDecoderBlock2D extends Module {
    public final ModuleList<ResnetBlock2D> resnets;
    public final ModuleList<Upsample2D> upsamplers;

    public UpDecoderBlock2D(int in, int out, int layers, int groups, float eps, Activation act, boolean addUpsample) {
        this.resnets = register("resnets", new ModuleList<>());
        for (int i = 0; i < layers; i++) resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, 0, groups, eps, act, 1f));
        this.upsamplers = addUpsample ? register("upsamplers", new ModuleList<>()) : null;
        if (addUpsample) upsamplers.add(new Upsample2D(out, out));
    }

    public Tensor forward(Tensor x) {
        for (ResnetBlock2D r : resnets) x = r.forward(x, null);
        return upsamplers == null ? x : upsamplers.get(0).forward(x);
    }
}
