package zest.diffusion.toy;

/**
 * The object colors of the toy world. They are saturated and far apart in RGB, and the backgrounds are
 * achromatic, so every pixel of a rendered scene can be assigned to exactly one named color (nearest palette
 * entry): segmentation by known color is exact, which is what makes the world a measurable test bed.
 */
public enum ToyColor {
    RED("red", 220, 30, 30),
    GREEN("green", 30, 190, 40),
    BLUE("blue", 40, 70, 230),
    YELLOW("yellow", 235, 215, 25),
    PURPLE("purple", 150, 40, 200),
    ORANGE("orange", 245, 130, 20);

    public final String word;
    public final int r, g, b;

    ToyColor(String word, int r, int g, int b) {
        this.word = word;
        this.r = r;
        this.g = g;
        this.b = b;
    }
}
