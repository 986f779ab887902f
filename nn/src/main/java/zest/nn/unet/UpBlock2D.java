package zest.nn.unet;

import java.util.List;
import zest.nn.blocks.ResnetBlock2D;
import zest.nn.blocks.Upsample2D;

/** An up block without attention. */
public final class UpBlock2D extends UNetUpBlock {
    public UpBlock2D(List<ResnetBlock2D> resnets, Upsample2D upsampler) {
        super(resnets, null, upsampler);
    }
}
