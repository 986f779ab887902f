package zest.diffusion.zestguide;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import zest.nn.attention.AttentionContext;

/**
 * Which cross-attention layers ZestGuide reads. A spec is a comma-separated list of terms:
 * <ul>
 *   <li>{@code 16}, {@code 32}, {@code 8}, {@code 64}: every cross-attention layer whose map has that size for a
 *       512-px image (i.e. image size / 32, / 16, / 64, / 8 — the same layers at any image size);</li>
 *   <li>{@code down16}, {@code up32}, {@code mid8}, ...: the same restricted to the encoder (down), decoder (up) or
 *       middle block;</li>
 *   <li>a module path prefix such as {@code down_blocks.2} or {@code up_blocks.1.attentions.0}.</li>
 * </ul>
 * The default, {@code down16,up16,up32}, is the authors' SD choice: down_blocks[2] and up_blocks[1] at 16×16 and
 * up_blocks[2] at 32×32.
 *
 * <p>{@link #selects}'s {@code imageHeight} is the SD-equivalent height: the pipeline passes latent height × 8, which
 * is the image height for SD and 8× the image height for a pixel-space model such as the toy model, whose maps at
 * image/4 and image/2 then count as "16" and "32" — the same network positions the default picks in SD.
 */
public final class LayerSelection {
    public static final String DEFAULT = "down16,up16,up32";
    private final String spec;
    private final List<Term> terms;

    private record Term(String part, int resolution, String prefix) {}

    private LayerSelection(String spec, List<Term> terms) {
        this.spec = spec;
        this.terms = terms;
    }

    public static LayerSelection parse(String spec) {
        String s = spec == null || spec.isBlank() ? DEFAULT : spec.strip();
        if (s.equalsIgnoreCase("default")) s = DEFAULT;
        List<Term> terms = new ArrayList<>();
        for (String raw : s.split(",")) {
            String t = raw.strip().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            if (t.startsWith("down_blocks") || t.startsWith("up_blocks") || t.startsWith("mid_block")) {
                terms.add(new Term(null, 0, t));
                continue;
            }
            String part = null;
            for (String p : new String[] {"down", "up", "mid"}) if (t.startsWith(p)) { part = p; t = t.substring(p.length()); break; }
            int res;
            try {
                res = Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("attention layer term '" + raw.strip() + "' is not a resolution (8, 16, 32, 64), "
                        + "a part+resolution (down16, up32, mid8) or a module path (down_blocks.2)");
            }
            if (res <= 0 || (res & (res - 1)) != 0)
                throw new IllegalArgumentException("attention resolution " + res + " must be a power of two (8, 16, 32, 64)");
            terms.add(new Term(part, res, null));
        }
        if (terms.isEmpty()) throw new IllegalArgumentException("no attention layers selected by '" + spec + "'");
        return new LayerSelection(s, terms);
    }

    public String spec() { return spec; }

    /** Whether ZestGuide reads this attention call, for an image of the given pixel height. */
    public boolean selects(AttentionContext c, int imageHeight) {
        if (!c.cross()) return false;
        String path = c.path();
        for (Term t : terms) {
            if (t.prefix() != null) {
                if (path.startsWith(t.prefix() + ".") || path.equals(t.prefix())) return true;
                continue;
            }
            if (t.part() != null && !path.startsWith(t.part().equals("mid") ? "mid_block" : t.part() + "_blocks")) continue;
            // the map size this layer would have for a 512-px image
            long at512 = Math.round(512.0 * c.height() / imageHeight);
            if (at512 == t.resolution()) return true;
        }
        return false;
    }

    @Override
    public String toString() { return spec; }
}
