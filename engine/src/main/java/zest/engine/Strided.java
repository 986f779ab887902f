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

    /** A fresh contiguous row-major F32 copy of t's values. */
    public static float[] gather(Tensor t) {
        float[] out = new float[t.numel()];
        if (out.length == 0) return out;
        Storage st = t.storage();
        int[] shape = t.shape(), strides = t.strides();
        int rank = shape.length;
        if (rank == 0) { out[0] = st.getFloat(t.offset()); return out; }
        int inner = shape[rank - 1], innerStride = strides[rank - 1];
        int[] idx = new int[rank];
        int base = t.offset();
        float[] src = st instanceof Storage.Floats f ? f.array() : null;
        for (int pos = 0; pos < out.length; pos += inner) {
            if (src != null) {
                if (innerStride == 1) System.arraycopy(src, base, out, pos, inner);
                else if (innerStride == 0) java.util.Arrays.fill(out, pos, pos + inner, src[base]);
                else for (int i = 0, at = base; i < inner; i++, at += innerStride) out[pos + i] = src[at];
            } else {
                for (int i = 0, at = base; i < inner; i++, at += innerStride) out[pos + i] = st.getFloat(at);
            }
            for (int d = rank - 2; d >= 0; d--) {
                if (++idx[d] < shape[d]) { base += strides[d]; break; }
                base -= (shape[d] - 1) * strides[d];
                idx[d] = 0;
            }
        }
        return out;
    }
}
