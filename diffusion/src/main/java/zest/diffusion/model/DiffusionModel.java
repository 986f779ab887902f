package zest.diffusion.model;

import java.nio.file.Path;
import zest.diffusion.schedulers.SchedulerConfig;
import zest.nn.clip.CLIPTextModel;
import zest.nn.clip.ClipTokenizer;
import zest.nn.unet.UNet2DConditionModel;
import zest.nn.vae.AutoencoderKL;

/**
 * Everything generation needs from one checkpoint: tokenizer, text encoder, UNet, VAE (null for pixel-space
 * models, whose UNet works on images directly) and the scheduler config.
 *
 * @param source where it was loaded from (shown in messages and stored in image metadata)
 */
public record DiffusionModel(String source, ClipTokenizer tokenizer, CLIPTextModel textEncoder, UNet2DConditionModel unet,
                             AutoencoderKL vae, SchedulerConfig schedulerConfig) {

    /** A tokenizer from another model would give ids or lengths the text encoder cannot take: refused at load. */
    public DiffusionModel {
        if (tokenizer != null && textEncoder != null) {
            var c = textEncoder.config;
            if (tokenizer.vocabularySize() > c.vocabSize())
                throw new zest.nn.ConfigException(source + ": the tokenizer's vocab.json has ids up to " + (tokenizer.vocabularySize() - 1)
                        + " but the text encoder's vocab_size is " + c.vocabSize() + ": the tokenizer belongs to another model");
            if (tokenizer.contextLength() > c.maxPositionEmbeddings())
                throw new zest.nn.ConfigException(source + ": the tokenizer's model_max_length " + tokenizer.contextLength()
                        + " exceeds the text encoder's max_position_embeddings " + c.maxPositionEmbeddings());
        }
    }

    /** Pixels per latent cell (8 for SD's VAE; 1 without a VAE). */
    public int downscale() {
        if (vae == null) return 1;
        return 1 << (vae.config.blockOutChannels().length - 1);
    }

    /** Channels of the UNet's sample. */
    public int latentChannels() { return unet.config.inChannels(); }

    public static DiffusionModel load(Path path) { return ModelLoader.load(path, null); }
}
