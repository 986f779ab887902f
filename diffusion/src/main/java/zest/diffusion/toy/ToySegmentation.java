package zest.diffusion.toy;

/**
 * Segments an image of the toy world by its known palette: each pixel goes to the nearest of the object colors and
 * the background grays. On a clean render this recovers the object masks exactly; on a generated image it is the
 * ground-truth-free reading of "where did the model put the red thing", which the evaluation scores.
 */
public final class ToySegmentation {
    private ToySegmentation() {}

    /**
     * @param image [3, size, size] values in [-1, 1]
     * @return per pixel the {@link ToyColor#ordinal()} of its object color, or -1 for background
     */
    public static int[] segment(float[] image, int size) {
        int n = size * size;
        int[] out = new int[n];
        ToyColor[] colors = ToyColor.values();
        for (int i = 0; i < n; i++) {
            double r = (image[i] + 1) * 127.5, g = (image[n + i] + 1) * 127.5, b = (image[2 * n + i] + 1) * 127.5;
            // background candidates are grays: the nearest gray to (r, g, b) is its mean, at this distance
            double mean = (r + g + b) / 3;
            double best = sq(r - mean) + sq(g - mean) + sq(b - mean);
            int label = -1;
            for (ToyColor c : colors) {
                double d = sq(r - c.r) + sq(g - c.g) + sq(b - c.b);
                if (d < best) { best = d; label = c.ordinal(); }
            }
            out[i] = label;
        }
        return out;
    }

    private static double sq(double x) { return x * x; }
}
