package zest.diffusion.toy;

import java.util.List;

/** torch.nn.utils.clip_grad_norm_: scales all gradients together so their global L2 norm is at most maxNorm. */
public final class GradientClipping {
    private GradientClipping() {}

    /** Clips in place and returns the norm before clipping (the number worth logging: spikes show instability). */
    public static double clip(List<float[]> grads, double maxNorm) {
        double sum = 0;
        for (float[] g : grads) if (g != null) for (float x : g) sum += (double) x * x;
        double norm = Math.sqrt(sum);
        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1) {
            float s = (float) scale;
            for (float[] g : grads) if (g != null) for (int i = 0; i < g.length; i++) g[i] *= s;
        }
        return norm;
    }
}
