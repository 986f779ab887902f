package zest.nn.unet;

import java.util.ArrayList;
import java.util.List;
import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.attention.AttentionHook;
import zest.nn.blocks.Downsample2D;
import zest.nn.blocks.ResnetBlock2D;

/**
 * The encoder half's block: resnets (each followed by a transformer in the cross-attention variant), then an
 * optional stride-2 downsampler. Every intermediate output is kept as a skip connection for the decoder half.
 */
public abstract sealed class UNetDownBlock extends Module permits DownBlock2D, CrossAttnDownBlock2D {
    public final ModuleList<Transformer2DModel> attentions;
    public final ModuleList<ResnetBlock2D> resnets;
    public final ModuleList<Downsample2D> downsamplers;

    /** The output and the skip tensors (one per resnet, plus the downsampled output), in order. */
    public record Output(Tensor hidden, List<Tensor> skips) {}

    UNetDownBlock(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions, Downsample2D downsampler) {
        this.attentions = attentions == null ? null : register("attentions", new ModuleList<>(attentions));
        this.resnets = register("resnets", new ModuleList<>(resnets));
        this.downsamplers = downsampler == null ? null : register("downsamplers", new ModuleList<>(List.of(downsampler)));
    }

    public Output forward(Tensor x, Tensor temb, Tensor context, AttentionHook hook) {
        List<Tensor> skips = new ArrayList<>();
        for (int i = 0; i < resnets.size(); i++) {
            x = resnets.get(i).forward(x, temb);
            if (attentions != null) x = attentions.get(i).forward(x, context, hook);
            skips.add(x);
        }
        if (downsamplers != null) {
            x = downsamplers.get(0).forward(x);
            skips.add(x);
        }
        return new Output(x, skips);
    }
}
