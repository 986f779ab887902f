package zest.diffusion.toy;

import java.util.ArrayList;
import java.util.List;

/**
 * Exponential moving average of the weights, the copy that is exported (it samples better than the raw weights).
 * The decay warms up as min(max, (1 + t) / (10 + t)) so the average is not dominated by the random initial weights
 * in short runs.
 */
public final class Ema {
    private final double maxDecay;
    private final List<float[]> sources = new ArrayList<>();
    private final List<float[]> shadows = new ArrayList<>();

    public Ema(double maxDecay) { this.maxDecay = maxDecay; }

    public void add(float[] source) {
        sources.add(source);
        shadows.add(source.clone());
    }

    public float[] shadow(int i) { return shadows.get(i); }

    public int size() { return shadows.size(); }

    public double decayAt(long step) { return Math.min(maxDecay, (1.0 + step) / (10.0 + step)); }

    /** Blends the current weights in after optimizer step {@code step} (1-based). */
    public void update(long step) {
        float d = (float) decayAt(step), keep = 1 - d;
        for (int i = 0; i < sources.size(); i++) {
            float[] s = sources.get(i), e = shadows.get(i);
            for (int k = 0; k < s.length; k++) e[k] = d * e[k] + keep * s[k];
        }
    }

    public void restore(List<float[]> saved) {
        for (int i = 0; i < shadows.size(); i++) System.arraycopy(saved.get(i), 0, shadows.get(i), 0, shadows.get(i).length);
    }
}
