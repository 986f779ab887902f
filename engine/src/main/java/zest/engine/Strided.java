package zest.engine;

/** Walks the elements of a strided tensor in row-major order. */
public final class Strided {
    private Strided() {}

    /** Receives (row-major position, storage index) for each element. */
    @FunctionalInterface
    public interface IndexConsumer {
        void accept(int position, int storageIndex);
    }

    public static void forEachIndex(Tensor t, IndexConsumer f) {
        int[] shape = t.shape(), strides = t.strides();
        int rank = shape.length, n = t.numel();
        if (n == 0) return;
        if (rank == 0) { f.accept(0, t.offset()); return; }
        int[] idx = new int[rank];
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        int base = t.offset();
        for (int pos = 0; pos < n; pos += inner) {
            for (int i = 0, at = base; i < inner; i++, at += innerStride) f.accept(pos + i, at);
            for (int d = rank - 2; d >= 0; d--) {
                if (++idx[d] < shape[d]) { base += strides[d]; break; }
                base -= (shape[d] - 1) * strides[d];
                idx[d] = 0;
            }
        }
    }

    /** Copies smaller than this many floats run on the calling thread. */
    private static final int PARALLEL_FLOATS = 1 << 16;

    /**
     * A fresh contiguous row-major F32 copy of t's values. Dimensions the view walks uniformly are merged first; a
     * view whose last two (merged) dimensions are a transpose of contiguous storage (a permuted NCHW ↔ NHWC
     * activation) is copied with blocked vector transposes, anything else row by row, in parallel for large copies.
     */
    public static float[] gather(Tensor t) {
        float[] out = new float[t.numel()];
        if (out.length == 0) return out;
        Storage st = t.storage();
        int[] shape = t.shape(), strides = t.strides();
        if (shape.length == 0) { out[0] = st.getFloat(t.offset()); return out; }
        float[] src = st instanceof Storage.Floats f ? f.array() : null;
        // merge dims: drop size-1 dims, fuse d into d-1 when stride[d-1] == stride[d]·shape[d]
        int[] ms = new int[shape.length], mt = new int[shape.length];
        int rank = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (rank > 0 && mt[rank - 1] == strides[d] * shape[d]) {
                ms[rank - 1] *= shape[d];
                mt[rank - 1] = strides[d];
            } else {
                ms[rank] = shape[d];
                mt[rank] = strides[d];
                rank++;
            }
        }
        if (rank == 0) { out[0] = st.getFloat(t.offset()); return out; }
        int merged = rank;
        int[] mShape = java.util.Arrays.copyOf(ms, rank), mStrides = java.util.Arrays.copyOf(mt, rank);
        int inner = mShape[rank - 1];
        if (src != null && rank >= 2 && mStrides[rank - 2] == 1 && mStrides[rank - 1] > 1) {
            // out[.., i, j] = src[base + i + j·ld]: each outer index is one cols × rows transpose
            int rows = mShape[rank - 2], ld = mStrides[rank - 1], matrix = rows * inner;
            int outer = out.length / matrix;
            zest.engine.cpu.Parallel.forRange(outer * rows, Math.max(1, PARALLEL_FLOATS / inner), (from, to) -> {
                // split by whole matrices when there are several, else by row strips of one matrix
                for (int k = from; k < to; ) {
                    int m = k / rows, r0 = k % rows, r1 = Math.min(rows, r0 + (to - k));
                    int base = offsetOf(m, mShape, mStrides, merged - 2, t.offset());
                    zest.engine.cpu.Transpose.matrix(src, base + r0, ld, inner, r1 - r0, out, m * matrix + r0 * inner, inner);
                    k += r1 - r0;
                }
            });
            return out;
        }
        int innerStride = mStrides[rank - 1], lines = out.length / inner;
        zest.engine.cpu.Parallel.forRange(lines, Math.max(1, PARALLEL_FLOATS / inner), (from, to) -> {
            for (int line = from; line < to; line++) {
                int base = offsetOf(line, mShape, mStrides, merged - 1, t.offset()), pos = line * inner;
                if (src != null) {
                    if (innerStride == 1) System.arraycopy(src, base, out, pos, inner);
                    else if (innerStride == 0) java.util.Arrays.fill(out, pos, pos + inner, src[base]);
                    else for (int i = 0, at = base; i < inner; i++, at += innerStride) out[pos + i] = src[at];
                } else {
                    for (int i = 0, at = base; i < inner; i++, at += innerStride) out[pos + i] = st.getFloat(at);
                }
            }
        });
        return out;
    }

    /** Storage offset of outer index {@code index} over the first {@code dims} dimensions (row-major). */
    private static int offsetOf(int index, int[] shape, int[] strides, int dims, int offset) {
        for (int d = dims - 1; d >= 0; d--) {
            offset += index % shape[d] * strides[d];
            index /= shape[d];
        }
        return offset;
    }
}
