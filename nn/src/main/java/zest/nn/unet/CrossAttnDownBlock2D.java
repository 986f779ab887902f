package zest.nn.unet;

import java.util.List;
import zest.nn.blocks.Downsample2D;
import zest.nn.blocks.ResnetBlock2D;

/** A down block whose resnets are each followed by a Transformer2DModel attending to the text. */
public final class CrossAttnDownBlock2D extends UNetDownBlock {
    public CrossAttnDownBlock2D(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions, Downsample2D downsampler) {
        super(resnets, attentions, downsampler);
        if (attentions.size() != resnets.size()) throw new IllegalArgumentException("one transformer per resnet expected");
    }
}
