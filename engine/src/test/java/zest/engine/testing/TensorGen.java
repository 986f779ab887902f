package zest.engine.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;
import zest.engine.DType;
import zest.engine.Storage;
import zest.engine.Tensor;

/**
 * Deterministic random tensors for property tests: jqwik draws a seed (and shapes), this turns them into tensors
 * with random memory layouts, so every kernel sees contiguous data, permuted (transposed) strides, narrowed windows
 * with an offset, stride-0 expanded dims, and memory segments (F32, and F16/BF16 widened on read).
 *
 * <p>Each {@link Sample} carries the logical values in row-major order as doubles, computed here independently of
 * the engine's own gather/stride code, so tests can compare against {@link Naive} references.
 */
public final class TensorGen {
    /** How a sample's values are laid out in memory. */
    public enum Layout { CONTIGUOUS, PERMUTED, NARROWED, PERMUTED_NARROWED, EXPANDED, SEGMENT_F32, SEGMENT_F16, SEGMENT_BF16 }

    /** Layouts that hold exactly the generated F32 values and distinct memory per element (valid grad leaves). */
    public static final Layout[] LEAF_LAYOUTS = {Layout.CONTIGUOUS, Layout.PERMUTED, Layout.NARROWED, Layout.PERMUTED_NARROWED};

    /** A tensor with its logical values (row-major, as doubles) and shape. */
    public record Sample(Tensor t, double[] v, int[] shape, Layout layout) {
        public int numel() { return v.length; }

        @Override public String toString() { return layout + Arrays.toString(shape); }
    }

    private final Random rnd;

    public TensorGen(long seed) { this.rnd = new Random(seed); }

    public Random random() { return rnd; }

    public double uniform(double lo, double hi) { return lo + (hi - lo) * rnd.nextDouble(); }

    public int nextInt(int bound) { return rnd.nextInt(bound); }

    public boolean nextBoolean() { return rnd.nextBoolean(); }

    /** A float-representable value uniform in [lo, hi). */
    public DoubleSupplier uniformDist(double lo, double hi) { return () -> (float) uniform(lo, hi); }

    /** Values with |x| in [lo, hi), random sign (keeps away from a kink at 0). */
    public DoubleSupplier awayFromZero(double lo, double hi) {
        return () -> (float) ((rnd.nextBoolean() ? 1 : -1) * uniform(lo, hi));
    }

    /** Values on the grid k·step + shift, |k| ≤ maxK: two grids with different shifts never come closer than their shift difference. */
    public DoubleSupplier grid(double step, double shift, int maxK) {
        return () -> (float) ((rnd.nextInt(2 * maxK + 1) - maxK) * step + shift);
    }

    public double[] values(int n, DoubleSupplier dist) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = dist.getAsDouble();
        return v;
    }

    // ---------------------------------------------------------------- samples

    /** Values in [-2, 2) in a random layout (any of {@link Layout}). */
    public Sample sample(int... shape) { return sample(uniformDist(-2, 2), Layout.values(), shape); }

    public Sample sample(DoubleSupplier dist, int... shape) { return sample(dist, Layout.values(), shape); }

    /** A random layout among {@link #LEAF_LAYOUTS}: exact F32 values, no aliasing (usable as a gradient leaf). */
    public Sample leaf(DoubleSupplier dist, int... shape) { return sample(dist, LEAF_LAYOUTS, shape); }

    public Sample leaf(int... shape) { return leaf(uniformDist(-2, 2), shape); }

    public Sample sample(DoubleSupplier dist, Layout[] layouts, int... shape) {
        return sample(dist, layouts[rnd.nextInt(layouts.length)], shape);
    }

    public Sample sample(DoubleSupplier dist, Layout layout, int... shape) {
        int rank = shape.length;
        int n = Math.toIntExact(Naive.numel(shape));
        // expanded dims: values repeat along them and memory has stride 0
        boolean[] expanded = new boolean[rank];
        if (layout == Layout.EXPANDED) {
            boolean any = false;
            for (int d = 0; d < rank; d++) if (shape[d] > 1 && rnd.nextBoolean()) { expanded[d] = true; any = true; }
            if (!any) for (int d = 0; d < rank; d++) if (shape[d] > 1) { expanded[d] = true; break; }
        }
        double[] v = new double[n];
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            Naive.unravel(i, shape, idx);
            boolean repeat = false;
            for (int d = 0; d < rank; d++) if (expanded[d] && idx[d] > 0) { repeat = true; break; }
            if (repeat) {
                int[] src = idx.clone();
                for (int d = 0; d < rank; d++) if (expanded[d]) src[d] = 0;
                v[i] = v[Naive.ravel(src, shape)];
            } else {
                v[i] = dist.getAsDouble();
            }
        }
        DType dtype = switch (layout) {
            case SEGMENT_F16 -> DType.F16;
            case SEGMENT_BF16 -> DType.BF16;
            default -> DType.F32;
        };
        // storage order of the dims (outermost first), padding per dim, start inside the padding
        int[] order = identity(rank);
        if (layout == Layout.PERMUTED || layout == Layout.PERMUTED_NARROWED || (isSegment(layout) && rnd.nextBoolean()))
            shuffle(order);
        int[] padded = shape.clone(), start = new int[rank];
        boolean narrow = layout == Layout.NARROWED || layout == Layout.PERMUTED_NARROWED || (isSegment(layout) && rnd.nextBoolean());
        for (int d = 0; d < rank; d++) {
            if (expanded[d]) { padded[d] = 1; continue; }
            if (narrow) {
                int extra = rnd.nextInt(3);
                padded[d] = shape[d] + extra;
                start[d] = rnd.nextInt(extra + 1);
            }
        }
        int[] strides = new int[rank];
        int s = 1;
        for (int k = rank - 1; k >= 0; k--) {
            int d = order[k];
            strides[d] = expanded[d] ? 0 : s;
            s *= Math.max(padded[d], 1);
        }
        int lead = narrow ? rnd.nextInt(4) : 0;
        int offset = lead;
        for (int d = 0; d < rank; d++) offset += start[d] * strides[d];
        int length = lead + s + (narrow ? rnd.nextInt(3) : 0);
        // garbage everywhere the view must not read
        float[] buf = new float[length];
        for (int i = 0; i < length; i++) buf[i] = 1000f + rnd.nextInt(1000);
        for (int i = 0; i < n; i++) {
            Naive.unravel(i, shape, idx);
            int at = offset;
            for (int d = 0; d < rank; d++) at += idx[d] * strides[d];
            float f = (float) v[i];
            if (dtype == DType.F16) f = Float.float16ToFloat(Float.floatToFloat16(f));
            if (dtype == DType.BF16) f = Float.intBitsToFloat(Float.floatToRawIntBits(f) & 0xFFFF0000);
            buf[at] = f;
            v[i] = f;
        }
        Storage storage = switch (dtype) {
            case F32 -> isSegment(layout) ? new Storage.Segment(segment(buf, DType.F32), DType.F32) : new Storage.Floats(buf);
            default -> new Storage.Segment(segment(buf, dtype), dtype);
        };
        Tensor t = Tensor.view(storage, shape, strides, offset);
        return new Sample(t, v, shape.clone(), layout);
    }

    /** A contiguous F32 tensor with the given values. */
    public static Tensor tensor(double[] v, int... shape) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Tensor.of(f, shape);
    }

    private static boolean isSegment(Layout l) {
        return l == Layout.SEGMENT_F32 || l == Layout.SEGMENT_F16 || l == Layout.SEGMENT_BF16;
    }

    /** Little-endian raw bytes of buf in the given dtype, off-heap. */
    public static MemorySegment segment(float[] buf, DType dtype) {
        MemorySegment seg = Arena.ofAuto().allocate((long) buf.length * dtype.byteSize(), 8);
        ValueLayout.OfShort sh = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfFloat fl = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < buf.length; i++) {
            switch (dtype) {
                case F32 -> seg.setAtIndex(fl, i, buf[i]);
                case F16 -> seg.setAtIndex(sh, i, Float.floatToFloat16(buf[i]));
                case BF16 -> seg.setAtIndex(sh, i, (short) (Float.floatToRawIntBits(buf[i]) >>> 16));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return seg;
    }

    private static int[] identity(int n) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) o[i] = i;
        return o;
    }

    private void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
    }

    // ---------------------------------------------------------------- shapes (for seeds-only properties)

    /** A random shape of the given rank range, dims in [1, maxSize] (size 1 drawn often). */
    public int[] shape(int minRank, int maxRank, int maxSize) {
        int rank = minRank + rnd.nextInt(maxRank - minRank + 1);
        int[] s = new int[rank];
        for (int d = 0; d < rank; d++) s[d] = rnd.nextInt(4) == 0 ? 1 : 1 + rnd.nextInt(maxSize);
        return s;
    }

    /** A shape that broadcasts to {@code out}: some leading dims dropped, some dims set to 1. */
    public int[] broadcastableTo(int[] out) {
        int drop = rnd.nextInt(out.length + 1);
        int[] s = Arrays.copyOfRange(out, drop, out.length);
        for (int d = 0; d < s.length; d++) if (rnd.nextInt(3) == 0) s[d] = 1;
        return s;
    }
}
