package zest.diffusion.bench;

import java.util.List;
import java.util.Locale;

/**
 * A whole-model bench case at SD 1.5 size: what runs, at which latent size (64 = 512 px).
 *
 * @param kind UNET: the CFG forward, batch 2; GUIDED: one ZestGuide step (conditional forward with autograd and
 *             backward to the latent, batch 1, plus the CFG forward, batch 2); VAE: the SD 1.5 VAE decoding one
 *             latent to an image (zest only: the PyTorch peer has no VAE)
 * @param size latent height = width
 */
public record ModelCase(Kind kind, int size) {
    public enum Kind { UNET, GUIDED, VAE }

    /** The timed parts, as both sides name them in their JSON. */
    public static final String GUIDED_PART = "guided_fwd_bwd_b1", CFG_PART = "cfg_forward_b2", VAE_PART = "vae_decode_b1";

    public ModelCase {
        if (size < 8 || size % 8 != 0) throw new IllegalArgumentException("latent size must be a multiple of 8, got " + size);
    }

    /** "unet-32", "guided-64", "vae-64". */
    public String id() { return kind.name().toLowerCase(Locale.ROOT) + "-" + size; }

    public int pixels() { return size * 8; }

    /** The timed parts of this case in run order. */
    public List<String> parts() {
        return switch (kind) {
            case UNET -> List.of(CFG_PART);
            case GUIDED -> List.of(GUIDED_PART, CFG_PART);
            case VAE -> List.of(VAE_PART);
        };
    }

    /** Parses "unet-32" / "guided-64". */
    public static ModelCase parse(String id) {
        String[] p = id.strip().toLowerCase(Locale.ROOT).split("-");
        try {
            if (p.length == 2) return new ModelCase(Kind.valueOf(p[0].toUpperCase(Locale.ROOT)), Integer.parseInt(p[1]));
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw new IllegalArgumentException("bench case '" + id + "' should be unet-SIZE, guided-SIZE or vae-SIZE (latent size, e.g. unet-64)");
    }

    /** The row label of a timed part, for people. */
    public static String partLabel(String part, int size) {
        String at = size + "×" + size + " (" + size * 8 + " px)";
        return switch (part) {
            case CFG_PART -> "UNet fwd, CFG batch 2, " + at;
            case GUIDED_PART -> "ZestGuide fwd+bwd, batch 1, " + at;
            case VAE_PART -> "VAE decode, batch 1, " + at;
            default -> part + " " + at;
        };
    }
}
