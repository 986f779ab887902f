package zest.nn.unet;

import java.util.List;
import zest.engine.Tensor;
import zest.engine.ops.ShapeOps;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.attention.AttentionHook;
import zest.nn.blocks.ResnetBlock2D;
import zest.nn.blocks.Upsample2D;

/**
 * The decoder half's block: each resnet takes the running features concatenated (channel-wise) with the latest
 * unused skip tensor, optionally followed by a transformer; then an optional upsampler to the next skip's size.
 */
public abstract sealed class UNetUpBlock extends Module permits UpBlock2D, CrossAttnUpBlock2D {
    public final ModuleList<Transformer2DModel> attentions;
    public final ModuleList<ResnetBlock2D> resnets;
    public final ModuleList<Upsample2D> upsamplers;

    UNetUpBlock(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions, Upsample2D upsampler) {
        this.attentions = attentions == null ? null : register("attentions", new ModuleList<>(attentions));
        this.resnets = register("resnets", new ModuleList<>(resnets));
        this.upsamplers = upsampler == null ? null : register("upsamplers", new ModuleList<>(List.of(upsampler)));
    }

    /**
     * skips: this block's skip tensors, oldest first (they are consumed from the end). upHeight/upWidth: the
     * upsampler's output size (the next block's skip size), or ≤ 0 for plain ×2.
     */
    public Tensor forward(Tensor x, List<Tensor> skips, Tensor temb, Tensor context, AttentionHook hook, int upHeight, int upWidth) {
        if (skips.size() != resnets.size())
            throw new IllegalArgumentException(describe() + " needs " + resnets.size() + " skip tensors, got " + skips.size());
        for (int i = 0; i < resnets.size(); i++) {
            Tensor skip = skips.get(skips.size() - 1 - i);
            x = resnets.get(i).forward(ShapeOps.concat(1, x, skip), temb);
            if (attentions != null) x = attentions.get(i).forward(x, context, hook);
        }
        if (upsamplers != null) x = upsamplers.get(0).forward(x, upHeight, upWidth);
        return x;
    }
}
