package zest.engine.ops;

import java.util.Arrays;
import zest.engine.Shapes;
import zest.engine.Tensor;

/** Loss functions with PyTorch's semantics (reduction "mean" unless the name says otherwise). */
public final class Losses {
    private Losses() {}

    /** PyTorch clamps each log term at −100 so that p = 0 or 1 gives a finite loss. */
    private static final double LOG_FLOOR = -100;
    /** PyTorch's floor on (1 − p)·p in the gradient, which keeps it finite at p = 0 or 1. */
    private static final double GRAD_EPS = 1e-12;

    /** Binary cross-entropy, mean over all elements: −mean(t·log p + (1 − t)·log(1 − p)); p and target same shape. */
    public static Tensor bce(Tensor p, Tensor target) {
        if (OnDevice.any(p, target)) return OnDevice.viaCpu(host -> bce(host[0], host[1]), p, target);
        checkSameShape("bce", p, target);
        float[] pv = values(p), tv = values(target);
        int n = pv.length;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += bceTerm(pv[i], tv[i]);
        Tensor out = Tensor.scalar((float) (sum / n));
        int[] shape = p.shape();
        return out.recordIfNeeded("bce", g -> {
            double scale = g.item() / (double) n;
            return bceGrads(p, target, pv, tv, shape, i -> scale);
        }, p, target);
    }

    /** Binary cross-entropy per element (reduction "none"). */
    public static Tensor bceNoReduction(Tensor p, Tensor target) {
        if (OnDevice.any(p, target)) return OnDevice.viaCpu(host -> bceNoReduction(host[0], host[1]), p, target);
        checkSameShape("bceNoReduction", p, target);
        float[] pv = values(p), tv = values(target);
        float[] loss = new float[pv.length];
        for (int i = 0; i < loss.length; i++) loss[i] = (float) bceTerm(pv[i], tv[i]);
        int[] shape = p.shape();
        return Tensor.of(loss, shape).recordIfNeeded("bceNoReduction", g -> {
            float[] gv = values(g);
            return bceGrads(p, target, pv, tv, shape, i -> gv[i]);
        }, p, target);
    }

    /** Mean squared error, mean((a − b)²); a and b broadcast against each other. */
    public static Tensor mse(Tensor a, Tensor b) {
        if (OnDevice.any(a, b)) return OnDevice.viaCpu(host -> mse(host[0], host[1]), a, b);
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        float[] av = values(a.detach().expand(shape)), bv = values(b.detach().expand(shape));
        int n = av.length;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) av[i] - bv[i];
            sum += d * d;
        }
        Tensor out = Tensor.scalar((float) (sum / n));
        return out.recordIfNeeded("mse", g -> {
            float k = (float) (2.0 * g.item() / n);
            float[] ga = new float[n];
            for (int i = 0; i < n; i++) ga[i] = k * (av[i] - bv[i]);
            Tensor gt = Tensor.of(ga, shape);
            return new Tensor[] {
                    a.requiresGrad() ? Reductions.sumToShape(gt, a.shape()) : null,
                    b.requiresGrad() ? Reductions.sumToShape(Elementwise.mulScalar(gt, -1f), b.shape()) : null};
        }, a, b);
    }

    // ---------------------------------------------------------------- machinery

    private static double bceTerm(float p, float t) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("bce: input values must lie in [0, 1], got " + p);
        double logP = Math.max(Math.log(p), LOG_FLOOR), log1mP = Math.max(Math.log1p(-(double) p), LOG_FLOOR);
        return -(t * logP + (1 - (double) t) * log1mP);
    }

    /** Upstream gradient factor of element i. */
    private interface Upstream { double at(int i); }

    /**
     * d/dp = (p − t) / max((1 − p)·p, 1e-12) as PyTorch; d/dt = log(1 − p) − log(p), each log clamped at −100
     * (the derivative of the clamped loss).
     */
    private static Tensor[] bceGrads(Tensor p, Tensor target, float[] pv, float[] tv, int[] shape, Upstream up) {
        int n = pv.length;
        float[] gp = p.requiresGrad() ? new float[n] : null, gt = target.requiresGrad() ? new float[n] : null;
        for (int i = 0; i < n; i++) {
            double u = up.at(i), pi = pv[i];
            if (gp != null) gp[i] = (float) (u * (pi - tv[i]) / Math.max((1 - pi) * pi, GRAD_EPS));
            if (gt != null) gt[i] = (float) (u * (Math.max(Math.log1p(-pi), LOG_FLOOR) - Math.max(Math.log(pi), LOG_FLOOR)));
        }
        return new Tensor[] {gp == null ? null : Tensor.of(gp, shape), gt == null ? null : Tensor.of(gt, shape)};
    }

    private static void checkSameShape(String op, Tensor p, Tensor target) {
        if (!Arrays.equals(p.shape(), target.shape()))
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(p.shape()) + " and target "
                    + Arrays.toString(target.shape()) + " must have the same shape");
    }

    private static float[] values(Tensor t) {
        return t.detach().contiguous().floats();
    }
}
