package zest.nn.vae;

import java.util.Arrays;
import java.util.List;
import zest.engine.Tensor;
import zest.engine.ops.ShapeOps;
import zest.nn.Module;
import zest.nn.layers.Conv2d;

/**
 * diffusers' AutoencoderKL: encode images [B, 3, H, W] in [-1, 1] to a latent distribution (after quant_conv) and
 * decode latents (through post_quant_conv first). Latents are multiplied by {@link #scalingFactor()} before the
 * UNet and divided by it before {@link #decode}; that scaling is the caller's job, as in diffusers.
 */
public final class AutoencoderKL extends Module {
    public final VaeConfig config;
    public final Encoder encoder;
    public final Decoder decoder;
    public final Conv2d quantConv, postQuantConv;

    public AutoencoderKL(VaeConfig c) {
        this.config = c;
        int lc = c.latentChannels();
        this.encoder = register("encoder", new Encoder(c));
        this.decoder = register("decoder", new Decoder(c));
        this.quantConv = c.useQuantConv() ? register("quant_conv", new Conv2d(2 * lc, 2 * lc, 1)) : null;
        this.postQuantConv = c.usePostQuantConv() ? register("post_quant_conv", new Conv2d(lc, lc, 1)) : null;
    }

    public float scalingFactor() { return config.scalingFactor(); }

    public LatentDistribution encode(Tensor image) {
        if (image.dim() != 4 || image.size(1) != config.inChannels())
            throw new IllegalArgumentException("VAE encode expects [B, " + config.inChannels() + ", H, W], got " + Arrays.toString(image.shape()));
        Tensor moments = encoder.forward(image);
        if (quantConv != null) moments = quantConv.forward(moments);
        List<Tensor> parts = ShapeOps.chunk(moments, 2, 1);
        return new LatentDistribution(parts.get(0).contiguous(), parts.get(1).clamp(-30f, 20f));
    }

    /** Latents [B, latent, h, w] (already divided by the scaling factor) → image [B, 3, 8h, 8w], roughly in [-1, 1]. */
    public Tensor decode(Tensor latents) {
        if (latents.dim() != 4 || latents.size(1) != config.latentChannels())
            throw new IllegalArgumentException("VAE decode expects [B, " + config.latentChannels() + ", h, w], got " + Arrays.toString(latents.shape()));
        Tensor z = postQuantConv == null ? latents : postQuantConv.forward(latents);
        return decoder.forward(z);
    }
}
