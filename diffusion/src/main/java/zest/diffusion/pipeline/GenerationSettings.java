package zest.diffusion.pipeline;

import zest.diffusion.zestguide.LayerSelection;

/**
 * Everything that decides an image, with the defaults of the ZestGuide paper's SD setting.
 *
 * @param sampler       ddim, pndm, euler or dpmpp2m; null = the model's own scheduler
 * @param samplerEta    DDIM's η (0 = deterministic)
 * @param zestEta       ZestGuide's learning rate η
 * @param tau           fraction of the steps that are guided (the first ⌈τ·N⌉)
 * @param layers        attention layers ZestGuide reads (see {@link LayerSelection})
 * @param lambdaSchedule "sqrt" for λ(t) = √(1 − ᾱ_t) (the authors' code) or "linear" for λ(t) = t / T
 * @param pwwWeight     Paint-with-Words weight w
 */
public record GenerationSettings(String prompt, String negativePrompt, int width, int height, int steps, float cfgScale,
                                 String sampler, float samplerEta, long seed, int batch, GuidanceMode guidance,
                                 float zestEta, float tau, String layers, String lambdaSchedule, float pwwWeight) {

    public static final float DEFAULT_ZEST_ETA = 0.3f, DEFAULT_TAU = 0.5f, DEFAULT_PWW_WEIGHT = 0.4f, DEFAULT_CFG = 7.5f;
    public static final int DEFAULT_STEPS = 50;
    /** Largest image side: the layout readers' limit too (4096×4096 pixels), far above what SD models are trained for. */
    public static final int MAX_SIZE = 4096;

    public GenerationSettings {
        if (prompt == null) prompt = "";
        if (negativePrompt == null) negativePrompt = "";
        if (width <= 0 || height <= 0 || width > MAX_SIZE || height > MAX_SIZE)
            throw new IllegalArgumentException("width and height must be in 1.." + MAX_SIZE + ", got " + width + "x" + height);
        if (steps < 1 || steps > 1000) throw new IllegalArgumentException("steps must be in 1..1000, got " + steps);
        if (batch < 1 || batch > 64) throw new IllegalArgumentException("batch must be in 1..64, got " + batch);
        if (!(cfgScale >= 0) || cfgScale > 100) throw new IllegalArgumentException("cfg scale must be in [0, 100], got " + cfgScale);
        if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("tau must be in [0, 1], got " + tau);
        if (!(zestEta >= 0) || zestEta > 100) throw new IllegalArgumentException("ZestGuide eta must be in [0, 100], got " + zestEta);
        if (!(samplerEta >= 0) || samplerEta > 1) throw new IllegalArgumentException("sampler eta must be in [0, 1], got " + samplerEta);
        if (!(pwwWeight >= 0) || pwwWeight > 100) throw new IllegalArgumentException("PwW weight must be in [0, 100], got " + pwwWeight);
        if (guidance == null) guidance = GuidanceMode.NONE;
        if (layers == null || layers.isBlank()) layers = LayerSelection.DEFAULT;
        LayerSelection.parse(layers);
        if (lambdaSchedule == null) lambdaSchedule = "sqrt";
        if (!lambdaSchedule.equals("sqrt") && !lambdaSchedule.equals("linear"))
            throw new IllegalArgumentException("lambda schedule must be sqrt or linear, got " + lambdaSchedule);
    }

    /** Defaults for a prompt: 512×512, 50 steps, CFG 7.5, seed 0, no layout guidance. */
    public static GenerationSettings defaults(String prompt) {
        return new GenerationSettings(prompt, "", 512, 512, DEFAULT_STEPS, DEFAULT_CFG, null, 0f, 0L, 1, GuidanceMode.NONE,
                DEFAULT_ZEST_ETA, DEFAULT_TAU, LayerSelection.DEFAULT, "sqrt", DEFAULT_PWW_WEIGHT);
    }

    public GenerationSettings withSize(int w, int h) {
        return new GenerationSettings(prompt, negativePrompt, w, h, steps, cfgScale, sampler, samplerEta, seed, batch, guidance, zestEta, tau, layers, lambdaSchedule, pwwWeight);
    }

    public GenerationSettings withGuidance(GuidanceMode g) {
        return new GenerationSettings(prompt, negativePrompt, width, height, steps, cfgScale, sampler, samplerEta, seed, batch, g, zestEta, tau, layers, lambdaSchedule, pwwWeight);
    }

    public GenerationSettings withSteps(int n) {
        return new GenerationSettings(prompt, negativePrompt, width, height, n, cfgScale, sampler, samplerEta, seed, batch, guidance, zestEta, tau, layers, lambdaSchedule, pwwWeight);
    }

    public GenerationSettings withSeed(long s) {
        return new GenerationSettings(prompt, negativePrompt, width, height, steps, cfgScale, sampler, samplerEta, s, batch, guidance, zestEta, tau, layers, lambdaSchedule, pwwWeight);
    }

    /** Number of guided steps out of {@code total}: ⌈τ·total⌉. */
    public int guidedSteps(int total) { return (int) Math.ceil(tau * total - 1e-9); }
}
