package zest.diffusion.toy;

import java.util.List;

/**
 * A rendered toy scene with its ground truth.
 *
 * @param size    image width = height in pixels
 * @param image   [3, size, size] row-major, values in [-1, 1] (the model's sample space)
 * @param caption e.g. "a red circle and a blue star on gray"; positions are never named
 * @param objects in painting order (later ones cover earlier ones), each with its visible mask
 */
public record ToyScene(int size, float[] image, String caption, ToyBackground background, List<ToyObject> objects) {

    /** The RGB byte (0..255) of channel c at pixel (x, y). */
    public int rgb(int c, int x, int y) {
        return Math.round((image[(c * size + y) * size + x] + 1f) * 127.5f);
    }
}
