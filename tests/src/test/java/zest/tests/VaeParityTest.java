package zest.tests;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.nn.sd.StableDiffusionModels;
import zest.nn.vae.AutoencoderKL;
import zest.nn.vae.LatentDistribution;

/** The sd-tiny AutoencoderKL against diffusers (cases/vae.safetensors). */
class VaeParityTest {
    static AutoencoderKL vae;
    static Map<String, Tensor> ref;

    @BeforeAll
    static void load() {
        vae = StableDiffusionModels.loadVae(Parity.resource("sd-tiny/vae"), null);
        ref = Parity.sdTinyCase("vae");
    }

    @Test
    void decode() {
        try (var ignored = GradMode.noGrad()) {
            Tensor decoded = vae.decode(ref.get("latent").div(vae.scalingFactor()));
            Parity.assertClose("vae.decoded", decoded, ref.get("decoded"));
        }
    }

    @Test
    void encode() {
        try (var ignored = GradMode.noGrad()) {
            LatentDistribution d = vae.encode(ref.get("image"));
            Parity.assertClose("vae.latent_mean", d.mean(), ref.get("latent_mean"));
            Parity.assertClose("vae.latent_logvar", d.logvar(), ref.get("latent_logvar"));
            Parity.assertClose("vae.latent_std", d.std(), ref.get("latent_std"));
        }
    }
}
