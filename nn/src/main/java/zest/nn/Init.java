package zest.nn;

import java.util.random.RandomGenerator;
import zest.engine.Tensor;

/** Fresh parameter values for training from scratch (PyTorch's default rules, our own random stream). */
public final class Init {
    private Init() {}

    /** U(-bound, bound), the rule torch.nn.Linear / Conv2d use with bound = 1/sqrt(fan_in). */
    public static void uniform(Parameter p, RandomGenerator rng, double bound) {
        float[] v = new float[Math.toIntExact(p.numel())];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        p.set(Tensor.of(v, p.shape()));
    }

    /** N(mean, std²). */
    public static void normal(Parameter p, RandomGenerator rng, double mean, double std) {
        float[] v = new float[Math.toIntExact(p.numel())];
        for (int i = 0; i < v.length; i++) v[i] = (float) (mean + std * rng.nextGaussian());
        p.set(Tensor.of(v, p.shape()));
    }

    public static void constant(Parameter p, float value) {
        p.set(Tensor.full(value, p.shape()));
    }
}
