package zest.nn.unet;

import java.util.List;
import zest.nn.blocks.Downsample2D;
import zest.nn.blocks.ResnetBlock2D;

/** A down block without attention (the UNet's lowest resolution in SD). */
public final class DownBlock2D extends UNetDownBlock {
    public DownBlock2D(List<ResnetBlock2D> resnets, Downsample2D downsampler) {
        super(resnets, null, downsampler);
    }
}
