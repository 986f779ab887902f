package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/**
 * Nearest, bilinear and area resizing against direct 2-D references of PyTorch's formulas (source indices computed
 * in float as its CPU kernels do, values in double), and their gradients.
 */
class ResizeTest {

    enum Mode { NEAREST, BILINEAR, AREA }

    private static Tensor resize(Mode m, Tensor x, int oh, int ow) {
        return switch (m) {
            case NEAREST -> Resize.nearest(x, oh, ow);
            case BILINEAR -> Resize.bilinear(x, oh, ow);
            case AREA -> Resize.area(x, oh, ow);
        };
    }

    // ---------------------------------------------------------------- references

    private static double[] reference(Mode m, double[] x, int[] s, int oh, int ow) {
        int planes = s[0] * s[1], h = s[2], w = s[3];
        double[] y = new double[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    int base = p * h * w;
                    y[(p * oh + i) * ow + j] = switch (m) {
                        case NEAREST -> x[base + nearestIndex(i, h, oh) * w + nearestIndex(j, w, ow)];
                        case BILINEAR -> bilinearAt(x, base, h, w, i, j, oh, ow);
                        case AREA -> areaAt(x, base, w, i * h / oh, ceilDiv((i + 1) * h, oh), j * w / ow, ceilDiv((j + 1) * w, ow));
                    };
                }
        return y;
    }

    /** PyTorch: floor(i · (float) in/out), clamped; identity when the sizes agree. */
    private static int nearestIndex(int i, int in, int out) {
        if (in == out) return i;
        float scale = (float) in / out;
        return Math.min((int) Math.floor(i * scale), in - 1);
    }

    /** PyTorch's area_pixel_compute_source_index (align_corners=false) in float. */
    private static float sourceIndex(int i, int in, int out) {
        float scale = (float) in / out;
        return Math.max(scale * (i + 0.5f) - 0.5f, 0f);
    }

    private static double bilinearAt(double[] x, int base, int h, int w, int i, int j, int oh, int ow) {
        float sy = sourceIndex(i, h, oh), sx = sourceIndex(j, w, ow);
        int y0 = Math.min((int) sy, h - 1), x0 = Math.min((int) sx, w - 1);
        int y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
        double ly = sy - y0, lx = sx - x0;
        return (1 - ly) * ((1 - lx) * x[base + y0 * w + x0] + lx * x[base + y0 * w + x1])
                + ly * ((1 - lx) * x[base + y1 * w + x0] + lx * x[base + y1 * w + x1]);
    }

    private static double areaAt(double[] x, int base, int w, int r0, int r1, int c0, int c1) {
        double s = 0;
        for (int r = r0; r < r1; r++) for (int c = c0; c < c1; c++) s += x[base + r * w + c];
        return s / ((r1 - r0) * (c1 - c0));
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    // ---------------------------------------------------------------- properties

    @Property(tries = 50)
    void forwardMatchesReference(@ForAll Mode mode, @ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] s = {1 + g.nextInt(2), 1 + g.nextInt(3), 1 + g.nextInt(9), 1 + g.nextInt(9)};
        int oh = 1 + g.nextInt(12), ow = 1 + g.nextInt(12);
        Sample x = g.sample(s);
        Naive.assertClose(resize(mode, x.t(), oh, ow), reference(mode, x.v(), s, oh, ow), new int[] {s[0], s[1], oh, ow},
                1e-6, 1e-6, mode + " " + x + " → " + oh + "x" + ow);
    }

    @Property(tries = 30)
    void gradientsMatchFiniteDifferences(@ForAll Mode mode, @ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] s = {1 + g.nextInt(2), 1 + g.nextInt(2), 1 + g.nextInt(5), 1 + g.nextInt(5)};
        int oh = 1 + g.nextInt(7), ow = 1 + g.nextInt(7);
        GradCheck.of(in -> resize(mode, in[0], oh, ow)).check(g.leaf(s));
    }

    @Property(tries = 30)
    void upsampleNearest2xIsNearestAtTwiceTheSize(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int[] s = {1 + g.nextInt(2), 1 + g.nextInt(3), 1 + g.nextInt(6), 1 + g.nextInt(6)};
        Sample x = g.sample(s);
        int[] out = {s[0], s[1], 2 * s[2], 2 * s[3]};
        Naive.assertClose(Resize.upsampleNearest2x(x.t()), reference(Mode.NEAREST, x.v(), s, out[2], out[3]), out, 0, 0, "2x " + x);
        GradCheck.of(in -> Resize.upsampleNearest2x(in[0])).check(g.leaf(s));
    }

    // ---------------------------------------------------------------- examples

    /** torch.nn.functional.interpolate(torch.arange(4.).view(1,1,1,4), size=(1,8), mode="bilinear"). */
    @Example
    void bilinearUpsamplingMatchesPyTorch() {
        Tensor x = Tensor.of(new float[] {0, 1, 2, 3}, 1, 1, 1, 4);
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3f}, Resize.bilinear(x, 1, 8).toFloatArray(), 1e-6f);
    }

    /** interpolate(arange(8.).view(1,1,1,8), size=(1,3), mode="bilinear") = [0.8333, 3.5, 6.1667]. */
    @Example
    void bilinearDownsamplingMatchesPyTorch() {
        Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 1, 1, 1, 8);
        assertArrayEquals(new float[] {5f / 6, 3.5f, 37f / 6}, Resize.bilinear(x, 1, 3).toFloatArray(), 1e-5f);
    }

    /** interpolate(arange(5.).view(1,1,1,5), size=(1,3), mode="area") averages [0,2), [1,4), [3,5). */
    @Example
    void areaUsesOverlappingAdaptiveWindows() {
        Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4}, 1, 1, 1, 5);
        assertArrayEquals(new float[] {0.5f, 2f, 3.5f}, Resize.area(x, 1, 3).toFloatArray(), 1e-6f);
    }

    /** interpolate(arange(3.).view(1,1,1,3), size=(1,5), mode="nearest") = [0, 0, 1, 1, 2]. */
    @Example
    void nearestFloorsTheScaledIndex() {
        Tensor x = Tensor.of(new float[] {0, 1, 2}, 1, 1, 1, 3);
        assertArrayEquals(new float[] {0, 0, 1, 1, 2}, Resize.nearest(x, 1, 5).toFloatArray());
    }

    @Example
    void rejectsBadShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Resize.bilinear(Tensor.zeros(2, 3, 4), 2, 2));
        assertTrue(e.getMessage().contains("[N, C, H, W]") && e.getMessage().contains("[2, 3, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Resize.area(Tensor.zeros(1, 1, 4, 4), 0, 2));
        assertThrows(IllegalArgumentException.class, () -> Resize.upsampleNearest2x(Tensor.zeros(4, 4)));
    }
}
