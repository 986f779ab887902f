package zest.engine;

import java.util.Arrays;
import java.util.Locale;

/** Readable text for small tensors (values in nested brackets), a summary for large ones. */
final class TensorFormat {
    private static final int MAX_ELEMENTS = 64;

    private TensorFormat() {}

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("Tensor(");
        if (t.numel() <= MAX_ELEMENTS) {
            float[] v = t.dtype() == DType.I64 || t.dtype() == DType.I32 ? null : t.toFloatArray();
            long[] l = v == null ? t.toLongArray() : null;
            appendNested(sb, t.shape(), 0, new int[] {0}, v, l);
        } else {
            sb.append("...");
        }
        sb.append(", shape=").append(Arrays.toString(t.shape())).append(", dtype=").append(t.dtype());
        if (t.requiresGrad()) sb.append(", requiresGrad");
        return sb.append(')').toString();
    }

    private static void appendNested(StringBuilder sb, int[] shape, int d, int[] pos, float[] v, long[] l) {
        if (d == shape.length) {
            if (v != null) sb.append(String.format(Locale.ROOT, "%.4g", v[pos[0]])); // not "1,000" in de/fr locales
            else sb.append(l[pos[0]]);
            pos[0]++;
            return;
        }
        sb.append('[');
        for (int i = 0; i < shape[d]; i++) {
            if (i > 0) sb.append(", ");
            appendNested(sb, shape, d + 1, pos, v, l);
        }
        sb.append(']');
    }
}
