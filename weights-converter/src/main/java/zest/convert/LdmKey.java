package zest.convert;

import java.util.Arrays;
import zest.engine.Shapes;
import zest.engine.Tensor;

/**
 * One diffusers tensor and where it lives in an original-LDM checkpoint.
 *
 * <p>Most keys are a plain rename ({@code ldmShape} equals {@code diffusersShape}). Two transforms exist:
 * <ul>
 *   <li>a reshape: the VAE mid-block attention q/k/v/proj_out weights are 1x1 conv kernels {@code [C, C, 1, 1]} in
 *       LDM and Linear weights {@code [C, C]} in diffusers (same elements, same order);</li>
 *   <li>a slice: OpenCLIP (SD 2.x) fuses the text encoder's q/k/v projections into one {@code in_proj_weight}
 *       {@code [3H, H]}; each diffusers projection is part {@code part} of {@code parts} equal slices along dim 0.</li>
 * </ul>
 * Both are zero-copy views in the LDM-to-diffusers direction.
 */
public record LdmKey(Component component, String ldmName, int[] ldmShape, String diffusersName, int[] diffusersShape,
                     int part, int parts) {

    public LdmKey {
        ldmShape = ldmShape.clone();
        diffusersShape = diffusersShape.clone();
        if (parts < 1 || part < 0 || part >= parts) throw new IllegalArgumentException("part " + part + " of " + parts);
        if (numel(ldmShape) != numel(diffusersShape) * parts)
            throw new IllegalArgumentException(ldmName + " " + Arrays.toString(ldmShape) + " cannot hold " + diffusersName
                    + " " + Arrays.toString(diffusersShape) + " as part " + part + " of " + parts);
    }

    /** A plain rename, same shape on both sides. */
    static LdmKey renamed(Component c, String ldmName, String diffusersName, int... shape) {
        return new LdmKey(c, ldmName, shape, diffusersName, shape, 0, 1);
    }

    @Override public int[] ldmShape() { return ldmShape.clone(); }

    @Override public int[] diffusersShape() { return diffusersShape.clone(); }

    /** The LDM tensor is reshaped (1x1 conv kernel vs Linear weight). */
    public boolean isReshaped() { return parts == 1 && !Arrays.equals(ldmShape, diffusersShape); }

    /** The LDM tensor holds several diffusers tensors (fused q/k/v). */
    public boolean isFused() { return parts > 1; }

    /**
     * Whether a tensor of {@code shape} found under {@link #ldmName} is acceptable. Besides the LDM shape, a
     * reshaped key also accepts the diffusers shape: checkpoints re-saved by some tools store the VAE attention
     * weights already as Linear {@code [C, C]}.
     */
    public boolean acceptsLdmShape(int[] shape) {
        return Arrays.equals(shape, ldmShape) || (isReshaped() && Arrays.equals(shape, diffusersShape));
    }

    /** The diffusers tensor as a view of the LDM tensor (slice and/or reshape, never a copy for contiguous input). */
    public Tensor toDiffusers(Tensor ldm) {
        Tensor t = ldm;
        if (parts > 1) {
            int rows = ldm.size(0) / parts;
            t = t.narrow(0, part * rows, rows);
        }
        return viewAs(t, diffusersShape);
    }

    /** For an unfused key: the LDM tensor as a view of the diffusers tensor. Fused keys are joined by the caller. */
    public Tensor toLdm(Tensor diffusers) {
        if (parts > 1) throw new IllegalStateException(ldmName + " is fused from " + parts + " tensors");
        return viewAs(diffusers, ldmShape);
    }

    /**
     * The same elements under another shape without a copy, in the tensor's own dtype: Tensor.reshape would widen an
     * F16/BF16 checkpoint tensor to F32, doubling the memory of a whole model. Weights carry no autograd history.
     */
    static Tensor viewAs(Tensor t, int[] shape) {
        if (Arrays.equals(t.shape(), shape)) return t;
        if (!t.isContiguous()) return t.reshape(shape);
        return Tensor.view(t.storage(), shape, Shapes.contiguousStrides(shape), t.offset());
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    @Override public boolean equals(Object o) {
        return o instanceof LdmKey k && component == k.component && ldmName.equals(k.ldmName)
                && diffusersName.equals(k.diffusersName) && Arrays.equals(ldmShape, k.ldmShape)
                && Arrays.equals(diffusersShape, k.diffusersShape) && part == k.part && parts == k.parts;
    }

    @Override public int hashCode() { return ldmName.hashCode() * 31 + diffusersName.hashCode(); }

    @Override public String toString() {
        String src = ldmName + " " + Arrays.toString(ldmShape) + (parts > 1 ? " part " + part + "/" + parts : "");
        return src + " -> " + component + ":" + diffusersName + " " + Arrays.toString(diffusersShape);
    }
}
