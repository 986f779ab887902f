package zest.diffusion.toy;

/**
 * One object of a scene: what it is, where it is, and the exact set of pixels it covers in the rendered image
 * (after later objects painted over it).
 *
 * @param cx   centre x in pixels
 * @param cy   centre y in pixels
 * @param size half-size in pixels
 * @param mask row-major [H*W], true where the object is visible
 */
public record ToyObject(ToyKind kind, ToyColor color, double cx, double cy, double size, boolean[] mask) {

    /** The caption phrase without article, e.g. "red circle" (also the ZestGuide segment text). */
    public String phrase() { return color.word + " " + kind.word; }

    /** The phrase with its article as the caption says it: "a red circle", "an orange star". */
    public String articlePhrase() {
        return ("aeiou".indexOf(color.word.charAt(0)) >= 0 ? "an " : "a ") + phrase();
    }

    public int visiblePixels() {
        int n = 0;
        for (boolean b : mask) if (b) n++;
        return n;
    }
}
