package zest.diffusion.toy;

import java.util.ArrayList;
import java.util.List;

/**
 * How well an image realises a toy scene's layout and caption, read by segmenting it with the world's known colors:
 * per named object, the IoU between the pixels of its color and its mask (mIoU over the conditioned segments only,
 * the background is not scored), whether its color is present at all, and whether the image shows exactly the
 * named colors (no missing object, no extra one).
 *
 * @param ious         one IoU per object of the scene
 * @param present      per object: its color covers at least {@link #PRESENT_FRACTION} of its mask's area
 * @param exactColors  the colors present are exactly the named ones
 */
public record ToyScore(List<Double> ious, List<Boolean> present, boolean exactColors) {
    /** A color "appears" when it covers at least this fraction of the object's intended area (and 4 pixels). */
    public static final double PRESENT_FRACTION = 0.25;

    /** @param image [3, size, size] in [-1, 1] */
    public static ToyScore of(ToyScene scene, float[] image) {
        int n = scene.size() * scene.size();
        int[] seg = ToySegmentation.segment(image, scene.size());
        int[] colorCount = new int[ToyColor.values().length];
        for (int label : seg) if (label >= 0) colorCount[label]++;
        List<Double> ious = new ArrayList<>();
        List<Boolean> present = new ArrayList<>();
        boolean[] named = new boolean[ToyColor.values().length];
        for (ToyObject o : scene.objects()) {
            int c = o.color().ordinal();
            named[c] = true;
            int inter = 0, union = 0;
            for (int i = 0; i < n; i++) {
                boolean p = seg[i] == c, g = o.mask()[i];
                if (p && g) inter++;
                if (p || g) union++;
            }
            ious.add(union == 0 ? 0.0 : (double) inter / union);
            present.add(colorCount[c] >= Math.max(4, PRESENT_FRACTION * o.visiblePixels()));
        }
        boolean exact = true;
        for (int c = 0; c < named.length; c++) {
            boolean shows = colorCount[c] >= 4 && (named[c] ? present.get(indexOf(scene, c)) : true);
            if (named[c] != shows) exact = false;
        }
        return new ToyScore(List.copyOf(ious), List.copyOf(present), exact);
    }

    private static int indexOf(ToyScene scene, int colorOrdinal) {
        for (int k = 0; k < scene.objects().size(); k++) if (scene.objects().get(k).color().ordinal() == colorOrdinal) return k;
        return -1;
    }

    public double meanIou() { return ious.stream().mapToDouble(Double::doubleValue).average().orElse(0); }
}
