package zest.diffusion.check;

import java.nio.file.Path;
import java.util.Locale;

/** The kinds of reference case {@code zest check} replays, with the tolerance each is held to. */
public enum CaseKind {
    CLIP(1e-4), UNET(1e-4), UNET_GRAD(1e-4), VAE(1e-4), SCHEDULER(1e-5), PIPELINE(1e-3), ZESTGUIDE(1e-4);

    private final double tolerance;

    CaseKind(double tolerance) { this.tolerance = tolerance; }

    /** Maximum relative error (to the reference's max-abs) accepted by default. */
    public double tolerance() { return tolerance; }

    public String cliName() { return name().toLowerCase(Locale.ROOT); }

    public static CaseKind parse(String s) {
        for (CaseKind k : values()) if (k.cliName().equals(s.strip().toLowerCase(Locale.ROOT))) return k;
        throw new IllegalArgumentException("unknown case kind '" + s + "': use clip, unet, unet_grad, vae, scheduler, pipeline or zestguide");
    }

    /** The kind named by a case file ("unet_grad.safetensors" → UNET_GRAD; the longest matching name wins). */
    public static CaseKind fromFileName(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".safetensors")) n = n.substring(0, n.length() - ".safetensors".length());
        CaseKind best = null;
        for (CaseKind k : values())
            if (n.contains(k.cliName()) && (best == null || k.cliName().length() > best.cliName().length())) best = k;
        if (best == null)
            throw new IllegalArgumentException(file + ": cannot tell the case kind from the file name; pass --kind (clip, unet, unet_grad, vae, scheduler, pipeline, zestguide)");
        return best;
    }
}
