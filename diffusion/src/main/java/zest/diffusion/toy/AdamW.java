package zest.diffusion.toy;

import java.util.ArrayList;
import java.util.List;

/**
 * AdamW (Loshchilov &amp; Hutter), with torch.optim.AdamW's arithmetic: decoupled weight decay
 * {@code p ← p·(1 − lr·λ)}, then {@code m ← β₁m + (1−β₁)g}, {@code v ← β₂v + (1−β₂)g²} and
 * {@code p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)}. Works in place on the float arrays that back the
 * parameters, so the model sees the new values without rebuilding any tensor.
 */
public final class AdamW {
    private final double beta1, beta2, eps, weightDecay;
    private final List<float[]> params = new ArrayList<>();
    private final List<Boolean> decays = new ArrayList<>();
    private final List<float[]> m = new ArrayList<>(), v = new ArrayList<>();
    private long step;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Registers a parameter; {@code decay} false exempts it from weight decay (biases, norms, as usual). */
    public int add(float[] param, boolean decay) {
        params.add(param);
        decays.add(decay);
        m.add(new float[param.length]);
        v.add(new float[param.length]);
        return params.size() - 1;
    }

    /** Steps taken so far (t in the bias corrections). */
    public long stepCount() { return step; }

    public float[] firstMoment(int i) { return m.get(i); }

    public float[] secondMoment(int i) { return v.get(i); }

    /** Restores the state saved from {@link #firstMoment}, {@link #secondMoment} and {@link #stepCount}. */
    public void restore(long stepCount, List<float[]> firstMoments, List<float[]> secondMoments) {
        for (int i = 0; i < params.size(); i++) {
            System.arraycopy(firstMoments.get(i), 0, m.get(i), 0, m.get(i).length);
            System.arraycopy(secondMoments.get(i), 0, v.get(i), 0, v.get(i).length);
        }
        this.step = stepCount;
    }

    /** One update with gradients {@code grads} (same order as the parameters; null = no gradient this step). */
    public void step(List<float[]> grads, double lr) {
        step++;
        // (1 − β) in double first: float(0.999) is off by 1.3e-8, which is 1.3e-5 relative in 1 − β₂
        float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (1 - beta1), c2 = (float) (1 - beta2);
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float sqrtBc2 = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / bc1);
        float shrink = (float) (1 - lr * weightDecay);
        float e = (float) eps;
        for (int i = 0; i < params.size(); i++) {
            float[] p = params.get(i), g = grads.get(i), mi = m.get(i), vi = v.get(i);
            if (g == null) continue; // torch skips parameters without a gradient entirely
            boolean decay = decays.get(i) && weightDecay != 0;
            for (int k = 0; k < p.length; k++) {
                float gk = g[k];
                if (decay) p[k] *= shrink;
                mi[k] = b1 * mi[k] + c1 * gk;
                vi[k] = b2 * vi[k] + c2 * gk * gk;
                float denom = (float) Math.sqrt(vi[k]) / sqrtBc2 + e;
                p[k] -= stepSize * mi[k] / denom;
            }
        }
    }
}
