package zest.nn.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import zest.engine.GradMode;
import zest.engine.Tensor;

/** The feed-forward's row slices (no graph, many rows) give the bits of the whole pass. */
class FeedForwardTest {

    @Test
    void slicedRowsEqualTheWholePassBitForBit() {
        FeedForward ff = new FeedForward(24, 96);
        ff.initialize(new SplittableRandom(3));
        // 2 images × 4500 tokens: three slices of 4096 rows, the last one partial
        int rows = 2 * 4500;
        float[] v = new float[rows * 24];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        Tensor x = Tensor.of(v, 2, 4500, 24);
        Tensor whole = ff.forward(x.requiresGrad(true)); // a recorded pass is never sliced
        Tensor sliced;
        try (var ignored = GradMode.noGrad()) {
            sliced = ff.forward(x.detach());
        }
        assertEquals(java.util.Arrays.toString(whole.shape()), java.util.Arrays.toString(sliced.shape()));
        assertArrayEquals(whole.detach().toFloatArray(), sliced.toFloatArray());
    }
}
