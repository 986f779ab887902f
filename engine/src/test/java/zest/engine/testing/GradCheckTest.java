package zest.engine.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Example;
import zest.engine.Tensor;
import zest.engine.ops.Elementwise;

/** The checker itself: it must accept right gradients and reject wrong ones. */
class GradCheckTest {

    /** x² with a deliberately wrong backward (x instead of 2x). */
    private static Tensor wrongSquare(Tensor x) {
        float[] v = x.toFloatArray();
        float[] y = new float[v.length];
        for (int i = 0; i < v.length; i++) y[i] = v[i] * v[i];
        return Tensor.fromOp(y, x.shape(), "wrongSquare", g -> new Tensor[] {Elementwise.mul(g, x.detach())}, x);
    }

    @Example
    void acceptsARightGradient() {
        Tensor x = Tensor.of(new float[] {0.5f, -1.25f, 2f, 0.75f}, 2, 2).requiresGrad(true);
        GradCheck.of(in -> in[0].mul(in[0]).exp()).check(x);
        GradCheck.ofMulti(in -> List.of(in[0].exp(), in[0].sum())).check(x);
    }

    @Example
    void rejectsAWrongGradient() {
        Tensor x = Tensor.of(new float[] {0.5f, -1.25f, 2f, 0.75f}, 2, 2).requiresGrad(true);
        AssertionError e = assertThrows(AssertionError.class, () -> GradCheck.of(in -> wrongSquare(in[0])).check(x));
        assertTrue(e.getMessage().contains("gradient of input 0"), e.getMessage());
    }

    @Example
    void rejectsAMissingGradientForAnInputThatMatters() {
        Tensor x = Tensor.of(new float[] {0.5f, -1.25f}, 2).requiresGrad(true);
        Tensor y = Tensor.of(new float[] {2f, 3f}, 2).requiresGrad(true);
        // the product's gradient reaches only x: y's dependence goes through a detached path
        assertThrows(AssertionError.class, () -> GradCheck.of(in -> in[0].mul(in[1].detach())).check(x, y));
    }

    @Example
    void leavesTheCallersTensorsAlone() {
        Tensor x = Tensor.of(new float[] {0.5f, -1.25f}, 2).requiresGrad(true);
        GradCheck.of(in -> in[0].exp()).check(x);
        assertTrue(x.grad() == null);
        assertTrue(x.toFloatArray()[0] == 0.5f);
    }
}
