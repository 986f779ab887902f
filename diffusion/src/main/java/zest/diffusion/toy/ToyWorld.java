package zest.diffusion.toy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The procedurally generated world the toy model learns: 1–3 objects of distinct named colors and random kinds,
 * positions and sizes on a named background, with a caption that names every object and the background but never
 * a position, and one exact mask per object. A scene is a pure function of (size, seed), so training data never
 * needs to be stored and a resumed run sees exactly the batches the uninterrupted run would have seen.
 */
public final class ToyWorld {
    public static final int MAX_OBJECTS = 3;
    /** Objects must keep at least this fraction of their own area visible, so the caption never names a hidden one. */
    static final double MIN_VISIBLE_FRACTION = 0.5;

    private final int size;

    public ToyWorld(int size) {
        if (size < 16 || size % 8 != 0) throw new IllegalArgumentException("toy image size must be a multiple of 8, at least 16; got " + size);
        this.size = size;
    }

    public int size() { return size; }

    /** The scene of training step {@code step}, batch slot {@code index}, for run seed {@code seed}. */
    public ToyScene trainingScene(long seed, long step, int index) {
        return scene(mix(mix(seed, step), index));
    }

    /** Held-out scene i: drawn from a stream no training seed reaches in practice (distinct mixing tag). */
    public ToyScene heldOutScene(long i) {
        return scene(mix(0x5EED_E7A1_0F7E_57L, i));
    }

    /** The scene determined by {@code seed}. */
    public ToyScene scene(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ToyBackground bg = ToyBackground.values()[r.nextInt(ToyBackground.values().length)];
        int count = 1 + r.nextInt(MAX_OBJECTS);
        for (int attempt = 0; ; attempt++) {
            ToyScene s = tryScene(r, bg, count);
            if (s != null) return s;
            if (attempt > 200) count = 1; // a single object always fits; never loop forever
        }
    }

    private ToyScene tryScene(SplittableRandom r, ToyBackground bg, int count) {
        ToyColor[] colors = ToyColor.values().clone();
        shuffle(colors, r);
        double[][] geom = new double[count][];
        ToyKind[] kinds = new ToyKind[count];
        for (int k = 0; k < count; k++) {
            kinds[k] = ToyKind.values()[r.nextInt(ToyKind.values().length)];
            double s = size * (0.16 + 0.14 * r.nextDouble());
            double cx = s + (size - 2 * s) * r.nextDouble(), cy = s + (size - 2 * s) * r.nextDouble();
            geom[k] = new double[] {cx, cy, s};
        }
        Rendered p = render(bg, kinds, colors, geom);
        if (p == null) return null;
        List<ToyObject> objects = p.objects();
        float[] img = p.image();
        // the caption order is shuffled independently of the painting order, so it says nothing about depth
        List<ToyObject> named = new ArrayList<>(objects);
        for (int i = named.size() - 1; i > 0; i--) java.util.Collections.swap(named, i, r.nextInt(i + 1));
        return new ToyScene(size, img, caption(named, bg), bg, List.copyOf(objects));
    }

    /** One object of a composed scene: its kind, color, center and size in pixels. */
    public record Placement(ToyKind kind, ToyColor color, double cx, double cy, double size) {}

    /**
     * A scene with the given objects painted in order on the background, captioned in that order (demos and tests
     * use it to show a layout of their choosing).
     *
     * @throws IllegalArgumentException if an object would be less than half visible, or colors repeat
     */
    public ToyScene compose(ToyBackground bg, List<Placement> placements) {
        int count = placements.size();
        if (count < 1 || count > MAX_OBJECTS) throw new IllegalArgumentException("a toy scene has 1.." + MAX_OBJECTS + " objects, got " + count);
        ToyKind[] kinds = new ToyKind[count];
        ToyColor[] colors = new ToyColor[count];
        double[][] geom = new double[count][];
        for (int k = 0; k < count; k++) {
            Placement pl = placements.get(k);
            for (int j = 0; j < k; j++)
                if (colors[j] == pl.color()) throw new IllegalArgumentException("two objects are " + pl.color().word + ": colors must differ");
            kinds[k] = pl.kind();
            colors[k] = pl.color();
            geom[k] = new double[] {pl.cx(), pl.cy(), pl.size()};
        }
        Rendered p = render(bg, kinds, colors, geom);
        if (p == null) throw new IllegalArgumentException("an object of the composed scene is less than half visible");
        return new ToyScene(size, p.image(), caption(p.objects(), bg), bg, p.objects());
    }

    private record Rendered(List<ToyObject> objects, float[] image) {}

    /** Paints the objects in order; null when one is hidden to less than {@link #MIN_VISIBLE_FRACTION}. */
    private Rendered render(ToyBackground bg, ToyKind[] kinds, ToyColor[] colors, double[][] geom) {
        int count = kinds.length;
        // owner of each pixel: the last object painted there, -1 for background
        int[] owner = new int[size * size];
        int[] area = new int[count];
        java.util.Arrays.fill(owner, -1);
        for (int k = 0; k < count; k++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    if (kinds[k].contains(x + 0.5, y + 0.5, geom[k][0], geom[k][1], geom[k][2])) {
                        owner[y * size + x] = k;
                        area[k]++;
                    }
        List<ToyObject> objects = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            boolean[] mask = new boolean[size * size];
            int visible = 0;
            for (int i = 0; i < mask.length; i++) if (owner[i] == k) { mask[i] = true; visible++; }
            if (area[k] == 0 || visible < MIN_VISIBLE_FRACTION * area[k]) return null;
            objects.add(new ToyObject(kinds[k], colors[k], geom[k][0], geom[k][1], geom[k][2], mask));
        }
        float[] img = new float[3 * size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) {
                int i = y * size + x;
                int o = owner[i];
                int[] rgb = o < 0 ? gray(bg.shade(x, y, size)) : new int[] {colors[o].r, colors[o].g, colors[o].b};
                for (int c = 0; c < 3; c++) img[c * size * size + i] = rgb[c] / 127.5f - 1f;
            }
        return new Rendered(List.copyOf(objects), img);
    }

    /** "a red circle", "a red circle and an orange star", "a, b and c", then " on " + the background. */
    static String caption(List<ToyObject> objects, ToyBackground bg) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < objects.size(); i++) {
            if (i > 0) sb.append(i == objects.size() - 1 ? " and " : ", ");
            sb.append(objects.get(i).articlePhrase());
        }
        return sb.append(" on ").append(bg.words).toString();
    }

    private static int[] gray(int v) { return new int[] {v, v, v}; }

    private static <T> void shuffle(T[] a, SplittableRandom r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** SplitMix64-style mixing of two longs into a well-spread seed. */
    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
