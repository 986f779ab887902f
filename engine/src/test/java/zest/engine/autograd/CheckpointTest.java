package zest.engine.autograd;

import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.ops.LinearAlgebra;
import zest.engine.ops.Normalization;
import zest.engine.ops.Reductions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A checkpointed segment gives the plain graph's gradients bit for bit, also when its input feeds other ops outside
 * it (a residual and a skip connection, so the input's gradient is a sum of three terms), and nested segments.
 */
class CheckpointTest {
    private static Tensor random(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1;
        for (int s : shape) n *= s;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return Tensor.of(a, shape);
    }

    private static final Tensor W1 = random(1, 24, 16), W2 = random(2, 16, 24), G = random(3, 16), B = random(4, 16);

    /** layer norm → linear → silu → linear: a transformer feed-forward in miniature. */
    private static Tensor feedForward(Tensor x) {
        return LinearAlgebra.linear(LinearAlgebra.linear(Normalization.layerNorm(x, G, B, 1e-5f), W1, null).silu(), W2, null);
    }

    /** Gradient of a loss in which {@code a = 3·x} feeds the segment, a residual add and a later product. */
    private static float[] gradient(UnaryOperator<Tensor> segment) {
        Tensor x = random(5, 6, 16).requiresGrad(true);
        Tensor a = x.mul(3f);
        Tensor y = segment.apply(a).add(a);
        Tensor z = segment.apply(y).add(y).mul(a);
        Reductions.sum(z.mul(z)).backward();
        return x.grad().toFloatArray();
    }

    @Test
    void checkpointedGradientsEqualThePlainGraphBitForBit() {
        float[] plain = gradient(CheckpointTest::feedForward);
        float[] checkpointed = gradient(in -> Checkpoint.run(CheckpointTest::feedForward, in));
        assertArrayEquals(plain, checkpointed);
        // a segment holding checkpointed segments recomputes them plainly, once
        float[] nested = gradient(in -> Checkpoint.run(t -> Checkpoint.run(CheckpointTest::feedForward, t).mul(0.5f), in));
        float[] nestedPlain = gradient(in -> feedForward(in).mul(0.5f));
        assertArrayEquals(nestedPlain, nested);
    }

    @Test
    void theGraphKeepsOnlyTheSegmentInput() {
        Tensor x = random(6, 6, 16).requiresGrad(true);
        Tensor y = Checkpoint.run(CheckpointTest::feedForward, x);
        assertEquals("checkpoint", y.gradNode().op());
        assertEquals(1, y.gradNode().inputs().length);
        assertEquals(x, y.gradNode().inputs()[0]);
    }

    @Test
    void withoutRecordingItIsThePlainFunction() {
        Tensor x = random(7, 6, 16).requiresGrad(true);
        Tensor y;
        try (var ignored = GradMode.noGrad()) {
            y = Checkpoint.run(CheckpointTest::feedForward, x);
        }
        assertNull(y.gradNode());
        assertFalse(y.requiresGrad());
        assertArrayEquals(feedForward(x.detach()).toFloatArray(), y.toFloatArray());
    }
}
