package zest.nn.unet;

import java.util.List;
import zest.nn.blocks.ResnetBlock2D;
import zest.nn.blocks.Upsample2D;

/** An up block whose resnets are each followed by a Transformer2DModel attending to the text. */
public final class CrossAttnUpBlock2D extends UNetUpBlock {
    public CrossAttnUpBlock2D(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions, Upsample2D upsampler) {
        super(resnets, attentions, upsampler);
        if (attentions.size() != resnets.size()) throw new IllegalArgumentException("one transformer per resnet expected");
    }
}
