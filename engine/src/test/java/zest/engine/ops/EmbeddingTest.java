package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;
import zest.engine.testing.Naive;
import zest.engine.testing.TensorGen;
import zest.engine.testing.TensorGen.Sample;

/** Embedding lookup: rows gathered by id for every id dtype, gradient scatter-added (repeated ids accumulate). */
class EmbeddingTest {

    private static long[] randomIds(TensorGen g, int n, int vocab) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = g.nextInt(vocab);
        return ids;
    }

    private static double[] reference(double[] weight, int dim, long[] ids) {
        double[] out = new double[ids.length * dim];
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < dim; j++) out[i * dim + j] = weight[(int) ids[i] * dim + j];
        return out;
    }

    private static int[] outShape(int[] idShape, int dim) {
        int[] s = java.util.Arrays.copyOf(idShape, idShape.length + 1);
        s[idShape.length] = dim;
        return s;
    }

    /** ids as I64, as F32 holding whole numbers, or as a (non-contiguous) transposed I64 view. */
    private static Tensor idTensor(TensorGen g, long[] ids, int[] shape) {
        return switch (g.nextInt(3)) {
            case 0 -> Tensor.ofLongs(ids, shape);
            case 1 -> {
                float[] f = new float[ids.length];
                for (int i = 0; i < f.length; i++) f[i] = ids[i];
                yield Tensor.of(f, shape);
            }
            default -> {
                if (shape.length < 2) yield Tensor.ofLongs(ids, shape);
                // store the transpose, then view it transposed back: same logical ids, strided memory
                int r = shape[0], c = shape[1];
                int inner = (int) (Naive.numel(shape) / (r * c));
                long[] t = new long[ids.length];
                for (int i = 0; i < r; i++)
                    for (int j = 0; j < c; j++)
                        for (int k = 0; k < inner; k++) t[(j * r + i) * inner + k] = ids[(i * c + j) * inner + k];
                int[] ts = shape.clone();
                ts[0] = c;
                ts[1] = r;
                yield Tensor.ofLongs(t, ts).transpose(0, 1);
            }
        };
    }

    @Property(tries = 50)
    void gathersRowsForAnyIdLayout(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int vocab = 1 + g.nextInt(8), dim = 1 + g.nextInt(5);
        Sample w = g.sample(vocab, dim);
        int[] idShape = g.shape(0, 3, 4);
        long[] ids = randomIds(g, (int) Naive.numel(idShape), vocab);
        Tensor out = Embedding.embedding(w.t(), idTensor(g, ids, idShape));
        Naive.assertClose(out, reference(w.v(), dim, ids), outShape(idShape, dim), 0, 0, "embedding " + w);
    }

    @Property(tries = 30)
    void gradientScatterAddsIntoTheTable(@ForAll long seed) {
        TensorGen g = new TensorGen(seed);
        int vocab = 1 + g.nextInt(5), dim = 1 + g.nextInt(4);
        int[] idShape = g.shape(1, 2, 4);
        Tensor ids = idTensor(g, randomIds(g, (int) Naive.numel(idShape), vocab), idShape);
        GradCheck.of(in -> Embedding.embedding(in[0], ids)).check(g.leaf(vocab, dim));
    }

    @Example
    void repeatedIdsAccumulate() {
        Tensor w = Tensor.zeros(3, 2).requiresGrad(true);
        Embedding.embedding(w, Tensor.ofLongs(new long[] {2, 0, 2}, 3)).sum().backward();
        assertArrayEquals(new float[] {1, 1, 0, 0, 2, 2}, w.grad().toFloatArray());
    }

    @Example
    void outOfRangeIdNamesTheIdAndTheVocabulary() {
        Tensor w = Tensor.zeros(5, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> Embedding.embedding(w, Tensor.ofLongs(new long[] {1, 7}, 2)));
        assertTrue(e.getMessage().contains("7") && e.getMessage().contains("5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Embedding.embedding(w, Tensor.ofLongs(new long[] {-1}, 1)));
        assertThrows(IllegalArgumentException.class, () -> Embedding.embedding(w, Tensor.of(new float[] {1.5f}, 1)));
        assertThrows(IllegalArgumentException.class, () -> Embedding.embedding(Tensor.zeros(5), Tensor.ofLongs(new long[] {1}, 1)));
    }

    @Example
    void readsHalfPrecisionTablesRowByRow() {
        float[] v = {0.5f, -1f, 2f, 0.25f, 3f, -0.75f};
        Tensor w = Tensor.ofSegment(TensorGen.segment(v, DType.F16), DType.F16, 3, 2);
        Tensor out = Embedding.embedding(w, Tensor.ofLongs(new long[] {2, 1}, 2));
        assertArrayEquals(new float[] {3f, -0.75f, 2f, 0.25f}, out.toFloatArray());
        assertArrayEquals(new int[] {2, 2}, out.shape());
    }
}
