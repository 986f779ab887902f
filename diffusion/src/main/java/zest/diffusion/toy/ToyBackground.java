package zest.diffusion.toy;

/**
 * The backgrounds of the toy world: plain achromatic colors and one texture (a checkerboard of two grays), so that
 * no background pixel can be mistaken for an object color. {@link #shade} gives the gray level of a pixel.
 */
public enum ToyBackground {
    GRAY("gray", 125, 125),
    BLACK("black", 20, 20),
    WHITE("white", 240, 240),
    CHECKERBOARD("a checkerboard", 80, 170);

    /** The words the caption ends with: "... on gray", "... on a checkerboard". */
    public final String words;
    private final int dark, light;

    ToyBackground(String words, int dark, int light) {
        this.words = words;
        this.dark = dark;
        this.light = light;
    }

    /** Gray level 0..255 at pixel (x, y) of an image {@code size} pixels wide (checker cells are size/8). */
    public int shade(int x, int y, int size) {
        if (dark == light) return dark;
        int cell = Math.max(1, size / 8);
        return ((x / cell + y / cell) & 1) == 0 ? dark : light;
    }
}
