package zest.engine.ops;

import java.util.Arrays;
import zest.engine.Storage;
import zest.engine.Tensor;

/** Table lookup (torch.nn.functional.embedding): rows of a weight matrix picked by integer ids. */
public final class Embedding {
    private Embedding() {}

    /**
     * weight [V, D], ids of any shape holding integers (I64/I32 storage, or F32 with whole values) → ids.shape + [D].
     * Only the looked-up rows are read, so a memory-mapped half-precision table is never widened as a whole.
     * The gradient scatter-adds into a dense [V, D] gradient of weight.
     */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        if (OnDevice.any(weight, ids)) return OnDevice.viaCpu(host -> embedding(host[0], host[1]), weight, ids);
        if (weight.dim() != 2)
            throw new IllegalArgumentException("embedding weight must have shape [vocab, dim], got " + Arrays.toString(weight.shape()));
        int vocab = weight.size(0), dim = weight.size(1);
        int[] rows = readIds(ids, vocab);
        float[] out = new float[rows.length * dim];
        gatherRows(weight, rows, dim, out);
        int[] idShape = ids.shape();
        int[] outShape = Arrays.copyOf(idShape, idShape.length + 1);
        outShape[idShape.length] = dim;
        return Tensor.of(out, outShape).recordIfNeeded("embedding", g -> {
            float[] gv = g.detach().contiguous().floats();
            float[] gw = new float[vocab * dim];
            // serial: repeated ids would race, and the work is one add per output element
            for (int i = 0; i < rows.length; i++) {
                int src = i * dim, dst = rows[i] * dim;
                for (int j = 0; j < dim; j++) gw[dst + j] += gv[src + j];
            }
            return new Tensor[] {Tensor.of(gw, vocab, dim), null};
        }, weight, ids);
    }

    /** The ids in row-major order, checked to be whole numbers in [0, vocab). */
    private static int[] readIds(Tensor ids, int vocab) {
        int n = ids.numel();
        int[] rows = new int[n];
        if (ids.dtype().isFloating()) {
            float[] f = ids.detach().contiguous().floats();
            for (int i = 0; i < n; i++) {
                if (f[i] != Math.rint(f[i]))
                    throw new IllegalArgumentException("embedding id " + f[i] + " at position " + i + " is not a whole number");
                rows[i] = checkId((long) f[i], vocab);
            }
        } else {
            long[] l = ids.toLongArray();
            for (int i = 0; i < n; i++) rows[i] = checkId(l[i], vocab);
        }
        return rows;
    }

    private static int checkId(long id, int vocab) {
        if (id < 0 || id >= vocab)
            throw new IllegalArgumentException("embedding id " + id + " is outside the vocabulary of size " + vocab);
        return (int) id;
    }

    private static void gatherRows(Tensor weight, int[] rows, int dim, float[] out) {
        Storage st = weight.storage();
        int base = weight.offset(), s0 = weight.stride(0), s1 = weight.stride(1);
        float[] arr = st instanceof Storage.Floats f ? f.array() : null;
        for (int i = 0; i < rows.length; i++) {
            int from = base + rows[i] * s0, to = i * dim;
            if (arr != null && s1 == 1) System.arraycopy(arr, from, out, to, dim);
            else for (int j = 0; j < dim; j++) out[to + j] = st.getFloat(from + j * s1);
        }
    }
}
