package zest.convert;

/**
 * The three diffusers components an original-LDM single-file checkpoint bundles. {@link #folder()} is the
 * diffusers sub-folder (and model_index.json name) the component's weights and config.json live in.
 */
public enum Component {
    UNET("unet", "diffusion_pytorch_model.safetensors"),
    VAE("vae", "diffusion_pytorch_model.safetensors"),
    TEXT_ENCODER("text_encoder", "model.safetensors");

    private final String folder;
    private final String weightsFile;

    Component(String folder, String weightsFile) {
        this.folder = folder;
        this.weightsFile = weightsFile;
    }

    /** "unet", "vae" or "text_encoder". */
    public String folder() { return folder; }

    /** The weights file name inside {@link #folder()} as diffusers / transformers save it. */
    public String weightsFile() { return weightsFile; }

    @Override public String toString() { return folder; }
}
