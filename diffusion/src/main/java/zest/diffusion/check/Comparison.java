package zest.diffusion.check;

import java.util.Arrays;
import zest.engine.Tensor;

/**
 * One output compared with its reference: the largest absolute difference, and that difference relative to the
 * reference's largest magnitude (so tensors that grow large, like CFG latents, are judged on their own scale).
 */
public record Comparison(String name, int[] shape, double maxAbs, double maxRel, double tolerance, String problem) {

    public boolean passed() { return problem == null && maxRel <= tolerance; }

    public static Comparison of(String name, Tensor reference, Tensor actual, double tolerance) {
        if (actual == null) return new Comparison(name, reference.shape(), Double.NaN, Double.NaN, tolerance, "not produced");
        if (reference.numel() != actual.numel())
            return new Comparison(name, reference.shape(), Double.NaN, Double.NaN, tolerance,
                    "shape " + Arrays.toString(actual.shape()) + " vs reference " + Arrays.toString(reference.shape()));
        float[] r = reference.toF32().floats(), a = actual.toF32().floats();
        double maxAbs = 0, refMax = 0;
        boolean nan = false;
        for (int i = 0; i < r.length; i++) {
            double d = Math.abs((double) r[i] - a[i]);
            if (Double.isNaN(d)) nan = true;
            maxAbs = Math.max(maxAbs, d);
            refMax = Math.max(refMax, Math.abs(r[i]));
        }
        double rel = refMax == 0 ? maxAbs : maxAbs / refMax;
        return new Comparison(name, reference.shape(), maxAbs, rel, tolerance, nan ? "NaN in output" : null);
    }

    public String line() {
        String verdict = passed() ? "PASS" : "FAIL";
        if (problem != null) return String.format("%-40s %-16s %s  (%s)", name, Arrays.toString(shape), verdict, problem);
        return String.format("%-40s %-16s max-abs %.3e  max-rel %.3e  (tol %.0e)  %s", name, Arrays.toString(shape), maxAbs, maxRel, tolerance, verdict);
    }
}
