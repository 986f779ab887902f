package zest.diffusion.toy;

import java.util.ArrayList;
import java.util.List;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;

/**
 * One guidance knob varied over a list of values, the way the paper's ablation tables are made: τ (fraction of
 * guided steps), η (ZestGuide's step size), the attention layers read, or the Paint-with-Words weight. Each value
 * gives a copy of the base settings with only that knob changed.
 *
 * @param knob   which setting varies
 * @param values its values as written by the user (layers keep their own spelling, e.g. "down16,up16")
 */
public record ToySweep(Knob knob, List<String> values) {
    public enum Knob {
        TAU("tau"), ETA("eta"), LAYERS("layers"), PWW_WEIGHT("pww-weight");

        public final String cliName;

        Knob(String cliName) { this.cliName = cliName; }

        /** The guidance mode whose behaviour the knob changes (the one swept by default). */
        public GuidanceMode mode() { return this == PWW_WEIGHT ? GuidanceMode.PWW : GuidanceMode.ZEST; }
    }

    /**
     * Parses "tau=0.2,0.5,0.8", "eta=0.1,0.3,1", "pww-weight=0,0.4,1" or "layers=down16;up16,up32" (layer
     * selections are separated by ';' since a selection itself contains commas).
     */
    public static ToySweep parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1)
            throw new IllegalArgumentException("--sweep must look like NAME=v1,v2,... (tau, eta, layers, pww-weight), got '" + spec + "'");
        String name = spec.substring(0, eq).strip();
        Knob knob = null;
        for (Knob k : Knob.values()) if (k.cliName.equals(name)) knob = k;
        if (knob == null) throw new IllegalArgumentException("unknown sweep parameter '" + name + "' (tau, eta, layers or pww-weight)");
        String list = spec.substring(eq + 1);
        List<String> values = new ArrayList<>();
        for (String v : list.split(knob == Knob.LAYERS ? ";" : ",")) if (!v.isBlank()) values.add(v.strip());
        if (values.isEmpty()) throw new IllegalArgumentException("--sweep " + name + " has no values");
        ToySweep sweep = new ToySweep(knob, List.copyOf(values));
        GenerationSettings probe = GenerationSettings.defaults("");
        for (String v : values) sweep.apply(probe, v); // reject a bad value before any image is made
        return sweep;
    }

    /** The base settings with the knob set to {@code value}. */
    public GenerationSettings apply(GenerationSettings b, String value) {
        float f = knob == Knob.LAYERS ? 0 : number(value);
        return new GenerationSettings(b.prompt(), b.negativePrompt(), b.width(), b.height(), b.steps(), b.cfgScale(), b.sampler(),
                b.samplerEta(), b.seed(), b.batch(), b.guidance(), knob == Knob.ETA ? f : b.zestEta(), knob == Knob.TAU ? f : b.tau(),
                knob == Knob.LAYERS ? value : b.layers(), b.lambdaSchedule(), knob == Knob.PWW_WEIGHT ? f : b.pwwWeight());
    }

    private float number(String v) {
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--sweep " + knob.cliName + ": '" + v + "' is not a number");
        }
    }
}
