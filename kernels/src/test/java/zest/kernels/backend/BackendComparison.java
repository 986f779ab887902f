package zest.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import zest.engine.Tensor;
import zest.engine.device.Device;
import zest.engine.ops.Elementwise;
import zest.engine.ops.Reductions;

/**
 * Runs one op forward and backward on the CPU and on a device from the same inputs and compares: the output, and
 * the gradient of Σ out·R (R random) with respect to every input. The error measure is the parity cases' one:
 * max |device − cpu| over max |cpu| (so tolerances are relative to the tensor's scale).
 */
final class BackendComparison {
    private BackendComparison() {}

    /** Inputs: shapes and how to fill them (values in [lo, hi]); which of them require grad. */
    record Input(int[] shape, float lo, float hi, boolean grad) {
        static Input of(float lo, float hi, int... shape) { return new Input(shape, lo, hi, true); }

        static Input constant(float lo, float hi, int... shape) { return new Input(shape, lo, hi, false); }
    }

    static float[] values(Input in, SplittableRandom rnd) {
        float[] v = new float[Math.toIntExact(Arrays.stream(in.shape()).asLongStream().reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < v.length; i++) v[i] = in.lo() + (float) rnd.nextDouble() * (in.hi() - in.lo());
        return v;
    }

    static void check(String op, double tolerance, long seed, Function<Tensor[], Tensor> f, Input... inputs) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] data = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) data[i] = values(inputs[i], rnd);
        Result cpu = run(Device.CPU, f, inputs, data, seed);
        Result dev = run(CudaDevice.DEVICE, f, inputs, data, seed);
        assertEquals(CudaDevice.DEVICE, dev.deviceOfOutput, op + ": the result stays on the device");
        assertTrue(Arrays.equals(cpu.shape, dev.shape), op + ": shapes " + Arrays.toString(cpu.shape) + " vs " + Arrays.toString(dev.shape));
        assertClose(op + " forward", cpu.output, dev.output, tolerance);
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].grad()) continue;
            if (cpu.grads[i] == null) { assertNull(dev.grads[i], op + " grad " + i); continue; }
            assertNotNull(dev.grads[i], op + ": the device run produced no gradient for input " + i);
            assertClose(op + " backward (input " + i + ")", cpu.grads[i], dev.grads[i], tolerance);
        }
    }

    private record Result(float[] output, int[] shape, float[][] grads, Device deviceOfOutput) {}

    private static Result run(Device device, Function<Tensor[], Tensor> f, Input[] inputs, float[][] data, long seed) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = Tensor.of(data[i].clone(), inputs[i].shape()).to(device);
            leaves[i] = inputs[i].grad() ? t.requiresGrad(true) : t;
        }
        Tensor out = f.apply(leaves);
        float[] r = values(Input.constant(-1, 1, out.shape()), new SplittableRandom(seed ^ 0x5DEECE66DL));
        Tensor weights = Tensor.of(r, out.shape()).to(device);
        if (out.requiresGrad()) Reductions.sum(Elementwise.mul(out, weights)).backward();
        float[][] grads = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) grads[i] = leaves[i].grad() == null ? null : leaves[i].grad().toFloatArray();
        return new Result(out.toFloatArray(), out.shape(), grads, out.device());
    }

    static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": lengths");
        double scale = 0, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            if (Float.isNaN(expected[i]) != Float.isNaN(actual[i]))
                throw new AssertionError(what + ": NaN mismatch at " + i + ": cpu " + expected[i] + ", device " + actual[i]);
            if (Float.isInfinite(expected[i]) || Float.isInfinite(actual[i])) {
                assertEquals(expected[i], actual[i], what + ": infinity at " + i);
                continue;
            }
            double e = Math.abs((double) expected[i] - actual[i]);
            if (e > worst) { worst = e; at = i; }
        }
        double rel = worst / Math.max(scale, 1e-30);
        if (rel > tolerance)
            throw new AssertionError(String.format("%s: max-rel error %.3g > %.1g (at %d: cpu %s, device %s; scale %.4g)",
                    what, rel, tolerance, at, expected[at], actual[at], scale));
    }
}
