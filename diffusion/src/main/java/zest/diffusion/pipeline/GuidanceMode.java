package zest.diffusion.pipeline;

import java.util.Locale;

/** How a layout steers generation. */
public enum GuidanceMode {
    /** Plain text-to-image; the layout is ignored. */
    NONE("none"),
    /** ZestGuide: attention-map segmentation loss back-propagated to the latent. */
    ZEST("zest"),
    /** Paint-with-Words: cross-attention logits biased inside the masks. */
    PWW("pww"),
    /** ZestGuide and Paint-with-Words together (the paper's best setting). */
    ZEST_PWW("zest+pww"),
    /** MultiDiffusion-style regional prompts fused by the masks at every step. */
    MULTIDIFFUSION("multidiffusion");

    private final String cliName;

    GuidanceMode(String cliName) { this.cliName = cliName; }

    public String cliName() { return cliName; }

    public boolean usesZest() { return this == ZEST || this == ZEST_PWW; }

    public boolean usesPww() { return this == PWW || this == ZEST_PWW; }

    public static GuidanceMode parse(String s) {
        String k = s.strip().toLowerCase(Locale.ROOT);
        for (GuidanceMode m : values()) if (m.cliName.equals(k)) return m;
        throw new IllegalArgumentException("unknown guidance '" + s + "': use none, zest, pww, zest+pww or multidiffusion");
    }
}
