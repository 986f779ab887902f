package zest.nn.vae;

import zest.engine.Tensor;

/**
 * The encoder's diagonal Gaussian over latents (diffusers' DiagonalGaussianDistribution): mean and log-variance,
 * the latter clamped to [-30, 20] as diffusers does.
 */
public record LatentDistribution(Tensor mean, Tensor logvar) {
    /** exp(0.5 · logvar). */
    public Tensor std() { return logvar.mul(0.5f).exp(); }

    public Tensor var() { return logvar.exp(); }

    /** mean + std · noise, with noise ~ N(0, 1) of the mean's shape supplied by the caller (for reproducibility). */
    public Tensor sample(Tensor noise) { return mean.add(std().mul(noise)); }

    /** The mean (diffusers' latent_dist.mode()). */
    public Tensor mode() { return mean; }
}
