package zest.diffusion.toy;

/**
 * The object kinds of the toy world and their exact inside tests. A shape is given by its centre (cx, cy) and
 * its half-size s in pixels; a pixel belongs to the object when its centre lies inside (no anti-aliasing, so the
 * mask and the painted pixels agree exactly).
 */
public enum ToyKind {
    CIRCLE("circle"), SQUARE("square"), TRIANGLE("triangle"), STAR("star"), RING("ring");

    public final String word;

    ToyKind(String word) { this.word = word; }

    /** Whether the point (x, y) lies inside this shape centred at (cx, cy) with half-size s. */
    public boolean contains(double x, double y, double cx, double cy, double s) {
        double dx = x - cx, dy = y - cy;
        return switch (this) {
            case CIRCLE -> dx * dx + dy * dy <= s * s;
            case SQUARE -> Math.abs(dx) <= s * 0.85 && Math.abs(dy) <= s * 0.85;
            case RING -> {
                double d2 = dx * dx + dy * dy;
                yield d2 <= s * s && d2 >= (0.5 * s) * (0.5 * s);
            }
            case TRIANGLE -> inPolygon(dx, dy, TRIANGLE_POINTS, s);
            case STAR -> inPolygon(dx, dy, STAR_POINTS, s);
        };
    }

    /** Upward triangle inscribed in the unit circle. */
    private static final double[][] TRIANGLE_POINTS = regular(3, 1, 1);
    /** Five-pointed star: outer radius 1, inner radius 0.5. */
    private static final double[][] STAR_POINTS = regular(5, 1, 0.5);

    /** Vertices of a regular n-gon (inner == outer) or n-pointed star, first point straight up (y grows down). */
    private static double[][] regular(int n, double outer, double inner) {
        boolean star = inner != outer;
        int count = star ? 2 * n : n;
        double[][] p = new double[count][];
        for (int i = 0; i < count; i++) {
            double a = -Math.PI / 2 + 2 * Math.PI * i / count;
            double r = star && i % 2 == 1 ? inner : outer;
            p[i] = new double[] {r * Math.cos(a), r * Math.sin(a)};
        }
        return p;
    }

    /** Even-odd ray casting against the polygon scaled by s. */
    private static boolean inPolygon(double x, double y, double[][] poly, double s) {
        boolean in = false;
        for (int i = 0, j = poly.length - 1; i < poly.length; j = i++) {
            double xi = poly[i][0] * s, yi = poly[i][1] * s, xj = poly[j][0] * s, yj = poly[j][1] * s;
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
        }
        return in;
    }
}
