package zest.engine.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import zest.engine.Tensor;
import zest.engine.testing.GradCheck;

/**
 * The fused GEGLU against its composition mul(value, gelu(gate)): the same bits forward, the same values backward (the
 * composition's own forward and gradient are checked against references elsewhere), and finite differences.
 */
class GegluPropertiesTest {

    private static Tensor random(SplittableRandom r, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * 2.5);
        return Tensor.of(v, shape);
    }

    private static Tensor composed(Tensor h) {
        List<Tensor> halves = ShapeOps.chunk(h, 2, -1);
        return Elementwise.mul(halves.get(0), Elementwise.gelu(halves.get(1)));
    }

    @Property(tries = 60)
    void fusedEqualsTheCompositionBitForBit(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        // small shapes, and rows × inner large enough for the parallel split
        int rows = 1 + r.nextInt(r.nextBoolean() ? 5 : 300), inner = 1 + r.nextInt(r.nextBoolean() ? 7 : 700);
        int batch = 1 + r.nextInt(2);
        Tensor h1 = random(r, batch, rows, 2 * inner).requiresGrad(true);
        Tensor h2 = h1.detach().requiresGrad(true);
        Tensor g = random(r, batch, rows, inner);
        Tensor fused = Elementwise.geglu(h1), ref = composed(h2);
        assertArrayEquals(ref.toFloatArray(), fused.toFloatArray(), "forward");
        fused.mul(g).sum().backward();
        ref.mul(g).sum().backward();
        // equal values (delta 0): where a product is −0 the composition's zero-padded sum of the halves' gradients
        // turns it into +0, the fused kernel keeps it
        assertArrayEquals(h2.grad().toFloatArray(), h1.grad().toFloatArray(), 0f, "gradient");
    }

    @Property(tries = 20)
    void gradientMatchesFiniteDifferences(@ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor h = random(r, 1 + r.nextInt(3), 2 * (1 + r.nextInt(4))).requiresGrad(true);
        GradCheck.of(in -> Elementwise.geglu(in[0])).check(h);
    }

    @Example
    void anOddLastDimensionIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Elementwise.geglu(Tensor.zeros(2, 5)));
    }
}
