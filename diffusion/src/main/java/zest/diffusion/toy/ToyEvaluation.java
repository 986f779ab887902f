package zest.diffusion.toy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zest.diffusion.layout.Layout;
import zest.diffusion.layout.Segment;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.pipeline.GenerationResult;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.pipeline.StableDiffusionPipeline;
import zest.engine.Tensor;

/**
 * Generates held-out toy scenes from their captions and layouts (one segment per object, its exact mask) under
 * several guidance modes, and scores each image with {@link ToyScore}. Scene i uses seed {@code seed + i} in every
 * mode, so the modes are compared on the same starting noise.
 */
public final class ToyEvaluation {
    /**
     * Aggregates of one guidance mode over the scenes: mIoU as in the paper ({@link ToyScore#setMeanIou}), object
     * recall (named objects whose color appears over at least a quarter of their mask's area) and the fraction of
     * images showing exactly the named colors — together the caption-consistency score.
     */
    public record ModeResult(GuidanceMode mode, double mIoU, double objectRecall, double exactColorRate, double secondsPerImage,
                             List<ToyScore> scores) {}

    private final DiffusionModel model;
    private final int size;

    public ToyEvaluation(DiffusionModel model) {
        this.model = model;
        this.size = imageSize(model, "toy evaluation");
    }

    /**
     * The image size of a pixel-space toy model (its UNet's sample size, 32 when unset).
     *
     * @throws IllegalArgumentException for a latent model (one with a VAE), naming {@code what} needed the toy model
     */
    static int imageSize(DiffusionModel model, String what) {
        if (model.vae() != null) throw new IllegalArgumentException(what + " needs a pixel-space toy model (no VAE)");
        Integer s = model.unet().config.sampleSize();
        return s == null ? 32 : s;
    }

    /** The layout of a scene: each object's visible mask, labelled with its caption phrase. */
    public static Layout layoutOf(ToyScene scene) {
        List<Segment> segs = new ArrayList<>();
        int n = scene.size() * scene.size();
        for (ToyObject o : scene.objects()) {
            float[] m = new float[n];
            for (int i = 0; i < n; i++) m[i] = o.mask()[i] ? 1f : 0f;
            segs.add(new Segment(o.phrase(), m, scene.size(), scene.size()));
        }
        return new Layout(scene.size(), scene.size(), segs);
    }

    /**
     * @param base settings whose guidance knobs (steps, CFG, η, τ, layers, PwW weight, sampler) are used; prompt,
     *             size, seed and mode are set per image
     */
    public Map<GuidanceMode, ModeResult> run(int scenes, List<GuidanceMode> modes, GenerationSettings base, long seed) {
        ToyWorld world = new ToyWorld(size);
        StableDiffusionPipeline pipe = new StableDiffusionPipeline(model).onWarning(w -> {});
        Map<GuidanceMode, ModeResult> out = new LinkedHashMap<>();
        for (GuidanceMode mode : modes) {
            List<ToyScore> scores = new ArrayList<>();
            long nanos = 0;
            for (int i = 0; i < scenes; i++) {
                ToyScene scene = world.heldOutScene(i);
                GenerationSettings s = new GenerationSettings(scene.caption(), base.negativePrompt(), size, size, base.steps(),
                        base.cfgScale(), base.sampler(), base.samplerEta(), seed + i, 1, mode, base.zestEta(), base.tau(),
                        base.layers(), base.lambdaSchedule(), base.pwwWeight());
                long t0 = System.nanoTime();
                GenerationResult r = pipe.generate(s, mode == GuidanceMode.NONE ? null : layoutOf(scene), (a, b, c) -> {});
                nanos += System.nanoTime() - t0;
                scores.add(ToyScore.of(scene, chw(r.images())));
            }
            double recall = 0, exact = 0;
            int objects = 0;
            for (ToyScore sc : scores) {
                for (boolean p : sc.present()) {
                    recall += p ? 1 : 0;
                    objects++;
                }
                exact += sc.exactColors() ? 1 : 0;
            }
            out.put(mode, new ModeResult(mode, ToyScore.setMeanIou(scores), recall / objects, exact / scenes, nanos / 1e9 / scenes, scores));
        }
        return out;
    }

    /** The pipeline's [1, H, W, 3] image in [0, 1] → [3, H, W] in [-1, 1], the world's representation. */
    static float[] chw(Tensor images) {
        float[] hwc = images.contiguous().floats();
        int n = hwc.length / 3;
        float[] out = new float[hwc.length];
        for (int i = 0; i < n; i++) for (int c = 0; c < 3; c++) out[c * n + i] = hwc[i * 3 + c] * 2f - 1f;
        return out;
    }
}
