package zest.nn.unet;

import java.util.List;
import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.attention.AttentionHook;
import zest.nn.blocks.ResnetBlock2D;

/** resnets.0 → (attentions.i → resnets.i+1)*, at the lowest resolution. */
public final class UNetMidBlock2DCrossAttn extends Module {
    public final ModuleList<Transformer2DModel> attentions;
    public final ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2DCrossAttn(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions) {
        if (resnets.size() != attentions.size() + 1) throw new IllegalArgumentException("mid block needs one more resnet than transformers");
        this.attentions = register("attentions", new ModuleList<>(attentions));
        this.resnets = register("resnets", new ModuleList<>(resnets));
    }

    public Tensor forward(Tensor x, Tensor temb, Tensor context, AttentionHook hook) {
        x = resnets.get(0).forward(x, temb);
        for (int i = 0; i < attentions.size(); i++) {
            x = attentions.get(i).forward(x, context, hook);
            x = resnets.get(i + 1).forward(x, temb);
        }
        return x;
    }
}
