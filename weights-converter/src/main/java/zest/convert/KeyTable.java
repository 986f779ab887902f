package zest.convert;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the {@link LdmKey}s of one component while a layout class walks the architecture. Module arguments are
 * prefixes without the trailing ".weight"/".bias"; the LDM prefix of the component ("model.diffusion_model.", ...)
 * is added here so the layout classes read like the two state dicts side by side.
 */
final class KeyTable {
    private final Component component;
    private final String ldmPrefix;
    private final List<LdmKey> keys = new ArrayList<>();

    KeyTable(Component component, String ldmPrefix) {
        this.component = component;
        this.ldmPrefix = ldmPrefix;
    }

    List<LdmKey> keys() { return List.copyOf(keys); }

    /** One tensor, renamed, same shape. */
    void tensor(String ldm, String diffusers, int... shape) {
        keys.add(LdmKey.renamed(component, ldmPrefix + ldm, diffusers, shape));
    }

    /** One tensor stored under another shape with the same elements in the same order. */
    void reshaped(String ldm, int[] ldmShape, String diffusers, int[] diffusersShape) {
        keys.add(new LdmKey(component, ldmPrefix + ldm, ldmShape, diffusers, diffusersShape, 0, 1));
    }

    /** Slice {@code part} of {@code parts} (dim 0) of a fused LDM tensor. */
    void slice(String ldm, int[] ldmShape, String diffusers, int[] diffusersShape, int part, int parts) {
        keys.add(new LdmKey(component, ldmPrefix + ldm, ldmShape, diffusers, diffusersShape, part, parts));
    }

    /** GroupNorm / LayerNorm: weight and bias of {@code channels}. */
    void norm(String ldm, String diffusers, int channels) {
        tensor(ldm + ".weight", diffusers + ".weight", channels);
        tensor(ldm + ".bias", diffusers + ".bias", channels);
    }

    /** Conv2d with bias: weight {@code [out, in, k, k]}. */
    void conv(String ldm, String diffusers, int out, int in, int kernel) {
        tensor(ldm + ".weight", diffusers + ".weight", out, in, kernel, kernel);
        tensor(ldm + ".bias", diffusers + ".bias", out);
    }

    /** Linear with bias: weight {@code [out, in]}. */
    void linear(String ldm, String diffusers, int out, int in) {
        tensor(ldm + ".weight", diffusers + ".weight", out, in);
        tensor(ldm + ".bias", diffusers + ".bias", out);
    }

    /** Linear without bias (the UNet attention's to_q/to_k/to_v). */
    void linearNoBias(String ldm, String diffusers, int out, int in) {
        tensor(ldm + ".weight", diffusers + ".weight", out, in);
    }

    /** A Linear in diffusers that LDM stores as a 1x1 Conv2d (VAE mid-block attention). */
    void linearAsConv1x1(String ldm, String diffusers, int out, int in) {
        reshaped(ldm + ".weight", new int[] {out, in, 1, 1}, diffusers + ".weight", new int[] {out, in});
        tensor(ldm + ".bias", diffusers + ".bias", out);
    }
}
