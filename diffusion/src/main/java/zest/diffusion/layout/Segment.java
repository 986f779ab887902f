package zest.diffusion.layout;

/** One painted region: a mask at image resolution (values in [0,1], row-major height×width) and its free text. */
public record Segment(String text, float[] mask, int width, int height) {
    public Segment {
        if (mask.length != width * height)
            throw new IllegalArgumentException("mask of " + mask.length + " values for " + width + "x" + height);
        if (text == null || text.isBlank()) throw new LayoutException("a segment has an empty text");
    }

    /** Fraction of the image the mask covers. */
    public double coverage() {
        double s = 0;
        for (float v : mask) s += v;
        return s / mask.length;
    }
}
