package zest.diffusion.toy;

import java.util.ArrayList;
import java.util.List;

/**
 * How well an image realises a toy scene's layout and caption, read by segmenting it with the world's known colors:
 * per named object, the IoU between the pixels of its color and its mask (mIoU over the conditioned segments only,
 * the background is not scored), whether its color is present at all, and whether the image shows exactly the
 * named colors (no missing object, no extra one).
 *
 * @param ious          one IoU per object of the scene
 * @param intersections per object: pixels of its color inside its mask
 * @param unions        per object: pixels of its color or inside its mask
 * @param colors        per object: its color, the class its pixels are counted under
 * @param present       per object: its color covers at least {@link #PRESENT_FRACTION} of its mask's area
 * @param exactColors   the colors present are exactly the named ones
 */
public record ToyScore(List<Double> ious, List<Integer> intersections, List<Integer> unions, List<ToyColor> colors,
                       List<Boolean> present, boolean exactColors) {
    /** A color "appears" when it covers at least this fraction of the object's intended area (and 4 pixels). */
    public static final double PRESENT_FRACTION = 0.25;

    /** @param image [3, size, size] in [-1, 1] */
    public static ToyScore of(ToyScene scene, float[] image) {
        int n = scene.size() * scene.size();
        int[] seg = ToySegmentation.segment(image, scene.size());
        int[] colorCount = new int[ToyColor.values().length];
        for (int label : seg) if (label >= 0) colorCount[label]++;
        List<Double> ious = new ArrayList<>();
        List<Integer> inters = new ArrayList<>(), unions = new ArrayList<>();
        List<ToyColor> objectColors = new ArrayList<>();
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
            inters.add(inter);
            unions.add(union);
            objectColors.add(o.color());
            present.add(colorCount[c] >= Math.max(4, PRESENT_FRACTION * o.visiblePixels()));
        }
        boolean exact = true;
        for (int c = 0; c < named.length; c++) {
            boolean shows = colorCount[c] >= 4 && (named[c] ? present.get(indexOf(scene, c)) : true);
            if (named[c] != shows) exact = false;
        }
        return new ToyScore(List.copyOf(ious), List.copyOf(inters), List.copyOf(unions), List.copyOf(objectColors),
                List.copyOf(present), exact);
    }

    private static int indexOf(ToyScene scene, int colorOrdinal) {
        for (int k = 0; k < scene.objects().size(); k++) if (scene.objects().get(k).color().ordinal() == colorOrdinal) return k;
        return -1;
    }

    public double meanIou() { return ious.stream().mapToDouble(Double::doubleValue).average().orElse(0); }

    /**
     * The paper's mIoU over a set of images: per class (object color), intersections and unions of the conditioned
     * segments are summed over the whole set, and the per-class IoUs are averaged over the classes that occur.
     */
    public static double setMeanIou(List<ToyScore> scores) {
        long[] inter = new long[ToyColor.values().length], union = new long[inter.length];
        for (ToyScore sc : scores)
            for (int k = 0; k < sc.colors().size(); k++) {
                int c = sc.colors().get(k).ordinal();
                inter[c] += sc.intersections().get(k);
                union[c] += sc.unions().get(k);
            }
        double sum = 0;
        int classes = 0;
        for (int c = 0; c < inter.length; c++)
            if (union[c] > 0) {
                sum += (double) inter[c] / union[c];
                classes++;
            }
        return classes == 0 ? 0 : sum / classes;
    }
}
