package zest.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zest.diffusion.layout.Layout;
import zest.diffusion.layout.Segment;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.pipeline.CancelledException;
import zest.diffusion.pipeline.GenerationResult;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.pipeline.ProgressListener;
import zest.diffusion.pipeline.StableDiffusionPipeline;
import zest.diffusion.zestguide.LayerSelection;
import zest.diffusion.zestguide.AttentionCapture;
import zest.diffusion.zestguide.ZestGuideLoss;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.nn.attention.Attention;
import zest.nn.attention.AttentionContext;
import zest.nn.attention.AttentionHook;

/**
 * The generation pipeline end to end on sd-tiny (random weights, 128×128 images, 16×16 latents): determinism,
 * every guidance mode and sampler, the switches that must turn guidance off exactly, CFG 1, batches, recorded maps.
 */
class PipelineTest {
    static final String PROMPT = "a red apple and a blue cup on a wooden table";
    static final int SIZE = 128, STEPS = 6;
    static DiffusionModel model;
    static Layout layout;
    /** Runs shared by several tests, by key. */
    static final Map<String, GenerationResult> cache = new HashMap<>();

    @BeforeAll
    static void load() {
        model = ModelLoader.load(CheckCasesTest.resource("model_index.json").getParent(), null);
        layout = twoSegments();
        warmUp(model, layout);
    }

    /**
     * Runs the guided pipeline once so the engine's vector kernels are JIT-compiled before any run whose bits are
     * compared. Known engine issue (reported, not fixed here): FloatVector.reduceLanes(ADD) and lanewise(EXP) give
     * different float results interpreted and C2-compiled, so a run made while kernels are still warming up can
     * differ from a later one in the last bit. Remove once the engine's reductions are order-fixed.
     */
    static void warmUp(DiffusionModel m, Layout l) {
        GenerationSettings s = new GenerationSettings(PROMPT, "", SIZE, SIZE, 3, 7.5f, "ddim", 0f, 99L, 1, GuidanceMode.ZEST_PWW,
                0.3f, 1f, null, "sqrt", 0.4f);
        for (int i = 0; i < 2; i++) new StableDiffusionPipeline(m).onWarning(w -> { }).recordMaps(true).generate(s, l, ProgressListener.NONE);
    }

    /** Segment 0 = the left half; segment 1 = a disk on the right (as the sd-tiny zestguide case). */
    static Layout twoSegments() {
        float[] left = new float[SIZE * SIZE], disk = new float[SIZE * SIZE];
        for (int y = 0; y < SIZE; y++)
            for (int x = 0; x < SIZE; x++) {
                left[y * SIZE + x] = x < SIZE / 2 ? 1f : 0f;
                double dy = y + 0.5 - 64, dx = x + 0.5 - 96;
                disk[y * SIZE + x] = dy * dy + dx * dx <= 29.44 * 29.44 ? 1f : 0f;
            }
        return new Layout(SIZE, SIZE, List.of(new Segment("red apple", left, SIZE, SIZE), new Segment("blue cup", disk, SIZE, SIZE)));
    }

    static GenerationSettings settings(GuidanceMode g) {
        return new GenerationSettings(PROMPT, "", SIZE, SIZE, STEPS, 7.5f, "ddim", 0f, 1234L, 1, g,
                GenerationSettings.DEFAULT_ZEST_ETA, 0.5f, LayerSelection.DEFAULT, "sqrt", GenerationSettings.DEFAULT_PWW_WEIGHT);
    }

    static GenerationSettings with(GenerationSettings s, String sampler, float cfg, int batch, float eta, float tau) {
        return new GenerationSettings(s.prompt(), s.negativePrompt(), s.width(), s.height(), s.steps(), cfg, sampler, s.samplerEta(),
                s.seed(), batch, s.guidance(), eta, tau, s.layers(), s.lambdaSchedule(), s.pwwWeight());
    }

    static StableDiffusionPipeline pipeline(List<String> warnings) {
        return new StableDiffusionPipeline(model).onWarning(warnings::add);
    }

    static GenerationResult run(GenerationSettings s) {
        List<String> warnings = new ArrayList<>();
        GenerationResult r = pipeline(warnings).generate(s, s.guidance() == GuidanceMode.NONE ? null : layout, ProgressListener.NONE);
        assertEquals(List.of(), warnings);
        return r;
    }

    static synchronized GenerationResult cached(String key, GenerationSettings s) {
        return cache.computeIfAbsent(key, k -> run(s));
    }

    static GenerationResult none() { return cached("none", settings(GuidanceMode.NONE)); }

    static GenerationResult zest() { return cached("zest", settings(GuidanceMode.ZEST)); }

    static float[] pixels(GenerationResult r) { return r.images().contiguous().toFloatArray(); }

    static void assertFiniteImages(GenerationResult r, int batch) {
        assertArrayEquals(new int[] {batch, SIZE, SIZE, 3}, r.images().shape());
        assertArrayEquals(new int[] {batch, 4, SIZE / 8, SIZE / 8}, r.latents().shape());
        for (float v : pixels(r)) assertTrue(v >= 0f && v <= 1f, "pixel " + v);
        for (float v : r.latents().contiguous().toFloatArray()) assertTrue(Float.isFinite(v), "latent " + v);
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    // (a) ------------------------------------------------------------------------------------------

    @Test
    void sameSeedSameImageDifferentSeedDifferentImage() {
        GenerationResult a = none(), b = run(settings(GuidanceMode.NONE));
        assertArrayEquals(pixels(a), pixels(b), "same seed, same settings: bit-identical");
        GenerationResult c = run(settings(GuidanceMode.NONE).withSeed(1235L));
        assertTrue(maxAbsDiff(pixels(a), pixels(c)) > 0.05, "another seed gives another image");
        assertFiniteImages(a, 1);
        assertEquals(PROMPT, a.prompt());
        assertEquals(List.of(), a.losses());
        assertEquals(List.of(), a.segmentMaps());
    }

    @Test
    void zestIsDeterministicToo() {
        assertArrayEquals(pixels(zest()), pixels(run(settings(GuidanceMode.ZEST))));
    }

    // (b) ------------------------------------------------------------------------------------------

    @Test
    void everyGuidanceModeRunsAndChangesTheImage() {
        float[] plain = pixels(none());
        for (GuidanceMode g : List.of(GuidanceMode.ZEST, GuidanceMode.PWW, GuidanceMode.ZEST_PWW, GuidanceMode.MULTIDIFFUSION)) {
            GenerationResult r = g == GuidanceMode.ZEST ? zest() : cached(g.cliName(), settings(g));
            assertFiniteImages(r, 1);
            double d = maxAbsDiff(plain, pixels(r));
            System.out.printf("[pipeline] guidance %-14s max |Δpixel| vs none = %.4f%n", g.cliName(), d);
            assertTrue(d > 1e-3, g.cliName() + " changes the image (max diff " + d + ")");
            assertEquals(g.usesZest() ? settings(g).guidedSteps(STEPS) : 0, r.losses().size(), g.cliName() + " losses");
            if (g != GuidanceMode.MULTIDIFFUSION) {
                assertArrayEquals(new int[] {2, 3}, r.segmentTokens()[0]);
                assertArrayEquals(new int[] {6, 7}, r.segmentTokens()[1]);
            }
        }
    }

    /** ZestGuide lowers its own loss: its guided steps' mean loss against the same steps of the unguided run. */
    @Test
    void zestLowersTheSegmentationLoss() {
        GenerationSettings s = settings(GuidanceMode.ZEST);
        int guided = s.guidedSteps(STEPS);
        List<Float> unguided = new ArrayList<>();
        GenerationResult plain = pipeline(new ArrayList<>()).recordMaps(true).generate(settings(GuidanceMode.NONE), layout,
                (step, total, info) -> unguided.add(info.zestLoss()));
        assertEquals(STEPS, unguided.size());
        assertArrayEquals(pixels(none()), pixels(plain), "recording the maps does not change the image");
        List<Float> zl = zest().losses();
        assertEquals(guided, zl.size());
        double meanZest = zl.stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        double meanNone = unguided.subList(0, guided).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        System.out.printf("[pipeline] ZestGuide loss per guided step: zest %s, unguided %s; means %.5f vs %.5f%n",
                zl, unguided.subList(0, guided), meanZest, meanNone);
        assertEquals(unguided.getFirst(), zl.getFirst(), 1e-5f, "step 0 sees the same x_T");
        assertTrue(meanZest < meanNone, "zest mean loss " + meanZest + " should be below the unguided " + meanNone);
    }

    /**
     * The mechanism under (b), without the sampler in between: at a fixed x_t and t, the gradient ZestGuide takes
     * through our autograd matches the loss's central difference along the update direction, and a small guided
     * step lowers the loss.
     */
    @Test
    void zestGradientMatchesFiniteDifferencesAndDescends() {
        StableDiffusionPipeline p = pipeline(new ArrayList<>());
        Tensor cond = p.encodePrompt(PROMPT);
        int[][] tokens = {{2, 3}, {6, 7}};
        Tensor masks = Tensor.of(layout.masksAt(16, 16), 2, 16, 16);
        Tensor t = Tensor.full(701f, 1);
        LayerSelection sel = LayerSelection.parse(null);
        java.util.function.Function<Tensor, Tensor> loss = xin -> {
            AttentionCapture cap = new AttentionCapture(sel, SIZE, 0);
            try (cap) {
                model.unet().forward(xin, t, cond, cap);
            }
            return ZestGuideLoss.compute(cap.mapsOf(0).meanMaps(16, 16), masks, tokens).loss();
        };
        Tensor x = new zest.engine.random.TorchGenerator(5).randn(1, 4, 16, 16);
        Tensor xg = x.detach().requiresGrad(true);
        Tensor l0 = loss.apply(xg);
        l0.backward();
        float[] g = xg.grad().contiguous().toFloatArray();
        float maxAbs = 0;
        double gDotD = 0;
        for (float v : g) maxAbs = Math.max(maxAbs, Math.abs(v));
        for (float v : g) gDotD += (double) v * v / maxAbs;
        Tensor d = Tensor.of(g, 1, 4, 16, 16).div(maxAbs);
        float eps = 0.005f;
        double lPlus, lMinus;
        try (var ignored = GradMode.noGrad()) {
            lPlus = loss.apply(x.add(d.mul(eps))).item();
            lMinus = loss.apply(x.sub(d.mul(eps))).item();
        }
        double fd = (lPlus - lMinus) / (2 * eps);
        System.out.printf("[pipeline] loss %.6f; along -g/max|g| by %.3f: %.6f; directional derivative autograd %.6f, central difference %.6f%n",
                l0.item(), eps, lMinus, gDotD, fd);
        assertTrue(lMinus < l0.item(), "a small step against the gradient lowers the loss");
        assertEquals(gDotD, fd, 0.05 * Math.abs(gDotD), "autograd vs finite difference");
    }

    // (c) ------------------------------------------------------------------------------------------

    @Test
    void tauZeroIsExactlyUnguided() {
        GenerationResult r = run(with(settings(GuidanceMode.ZEST), "ddim", 7.5f, 1, 0.3f, 0f));
        assertEquals(List.of(), r.losses());
        assertArrayEquals(pixels(none()), pixels(r));
    }

    @Test
    void etaZeroIsExactlyUnguided() {
        GenerationResult r = run(with(settings(GuidanceMode.ZEST), "ddim", 7.5f, 1, 0f, 0.5f));
        assertEquals(settings(GuidanceMode.ZEST).guidedSteps(STEPS), r.losses().size(), "the loss is still computed");
        assertArrayEquals(pixels(none()), pixels(r));
    }

    // (d) ------------------------------------------------------------------------------------------

    /** Counts UNet passes (and their batch) through a hook on the mid-block cross-attention, outside ZestGuide's default layers. */
    static final class PassCounter implements AttentionHook {
        final List<Integer> batches = new ArrayList<>();

        @Override public Tensor logitBias(AttentionContext c) {
            // a guided step's backward re-runs this unread layer (gradient checkpointing): not a pass of its own
            if (!zest.engine.autograd.Checkpoint.recomputing()) batches.add(c.batch());
            return null;
        }
    }

    static GenerationResult countingPasses(GenerationSettings s, PassCounter counter) {
        Attention mid = model.unet().attentionLayers().stream()
                .filter(a -> a.path().equals("mid_block.attentions.0.transformer_blocks.0.attn2")).findFirst().orElseThrow();
        mid.setHook(counter);
        try {
            return run(s);
        } finally {
            mid.setHook(null);
        }
    }

    @Test
    void cfgOneSkipsTheUnconditionalPass() {
        PassCounter full = new PassCounter(), single = new PassCounter();
        countingPasses(settings(GuidanceMode.NONE), full);
        GenerationResult r = countingPasses(with(settings(GuidanceMode.NONE), "ddim", 1f, 1, 0.3f, 0.5f), single);
        assertEquals(2 * STEPS, full.batches.size(), "CFG 7.5: conditional + unconditional per step");
        assertEquals(STEPS, single.batches.size(), "CFG 1: the conditional pass only");
        assertFiniteImages(r, 1);
        assertTrue(maxAbsDiff(pixels(none()), pixels(r)) > 1e-3);
        PassCounter guided = new PassCounter();
        GenerationResult z = countingPasses(with(settings(GuidanceMode.ZEST), "ddim", 1f, 1, 0.3f, 0.5f), guided);
        assertEquals(STEPS, guided.batches.size());
        assertEquals(3, z.losses().size());
    }

    // (e) ------------------------------------------------------------------------------------------

    @Test
    void batchOfTwo() {
        GenerationResult r = pipeline(new ArrayList<>()).recordMaps(true)
                .generate(with(settings(GuidanceMode.ZEST), "ddim", 7.5f, 2, 0.3f, 0.5f), layout, ProgressListener.NONE);
        assertFiniteImages(r, 2);
        float[] a = r.images().select(0, 0).contiguous().toFloatArray(), b = r.images().select(0, 1).contiguous().toFloatArray();
        assertTrue(maxAbsDiff(a, b) > 0.05, "the two images of a batch differ");
        assertEquals(3, r.losses().size());
        assertEquals(STEPS, r.segmentMaps().size());
        for (Tensor m : r.segmentMaps()) assertArrayEquals(new int[] {2, 2, 16, 16}, m.shape());
    }

    // (f) ------------------------------------------------------------------------------------------

    @Test
    void everySamplerRunsWithZestGuide() {
        Map<String, float[]> images = new HashMap<>();
        for (String sampler : List.of("ddim", "pndm", "euler", "dpmpp2m")) {
            List<Integer> steps = new ArrayList<>();
            GenerationResult r = pipeline(new ArrayList<>()).generate(with(settings(GuidanceMode.ZEST), sampler, 7.5f, 1, 0.3f, 0.5f),
                    layout, (step, total, info) -> steps.add(step));
            assertFiniteImages(r, 1);
            int total = steps.size();
            assertEquals(sampler.equals("pndm") ? STEPS + 1 : STEPS, total, sampler + ": PNDM repeats its second timestep");
            assertEquals(settings(GuidanceMode.ZEST).guidedSteps(total), r.losses().size(), sampler);
            for (float l : r.losses()) assertTrue(Float.isFinite(l) && l > 0, sampler + " loss " + l);
            images.put(sampler, pixels(r));
        }
        assertTrue(maxAbsDiff(images.get("ddim"), images.get("euler")) > 1e-3);
        assertTrue(maxAbsDiff(images.get("ddim"), images.get("dpmpp2m")) > 1e-3);
        assertTrue(maxAbsDiff(images.get("ddim"), images.get("pndm")) > 1e-3);
    }

    // (g) ------------------------------------------------------------------------------------------

    @Test
    void recordMapsGivesOneMapPerStep() {
        List<Tensor> perStep = new ArrayList<>();
        GenerationResult r = pipeline(new ArrayList<>()).recordMaps(true).generate(settings(GuidanceMode.ZEST), layout,
                (step, total, info) -> perStep.add(info.segmentMaps()));
        assertEquals(STEPS, r.segmentMaps().size());
        assertEquals(STEPS, perStep.size());
        for (Tensor m : r.segmentMaps()) {
            assertArrayEquals(new int[] {1, 2, 16, 16}, m.shape());
            for (float v : m.contiguous().toFloatArray()) assertTrue(v >= 0 && v <= 2 + 1e-5, "Ŝ sums two tokens' probabilities: " + v);
        }
        assertArrayEquals(pixels(zest()), pixels(r), "recording the maps does not change the guided image");
        assertEquals(zest().losses(), r.losses());
        // without recording: maps on guided steps only
        assertEquals(3, zest().segmentMaps().size());
    }

    // ------------------------------------------------------------------------------------------ misc

    @Test
    void missingSegmentTextsAreAppendedToThePrompt() {
        GenerationSettings s = new GenerationSettings("a still life", "", SIZE, SIZE, 2, 7.5f, "ddim", 0f, 1L, 1, GuidanceMode.PWW,
                0.3f, 0.5f, null, "sqrt", 0.4f);
        GenerationResult r = pipeline(new ArrayList<>()).generate(s, layout, ProgressListener.NONE);
        assertEquals("a still life, red apple, blue cup", r.prompt());
        assertArrayEquals(new int[] {5, 6}, r.segmentTokens()[0]);
        assertArrayEquals(new int[] {8, 9}, r.segmentTokens()[1]);
    }

    @Test
    void invalidRequestsAreRejectedBeforeDenoising() {
        StableDiffusionPipeline p = pipeline(new ArrayList<>());
        assertThrows(IllegalArgumentException.class, () -> p.generate(settings(GuidanceMode.ZEST), null, ProgressListener.NONE));
        assertThrows(IllegalArgumentException.class,
                () -> p.generate(settings(GuidanceMode.NONE).withSize(100, 128), null, ProgressListener.NONE));
        assertThrows(IllegalArgumentException.class,
                () -> p.generate(settings(GuidanceMode.ZEST).withSize(64, 64), layout, ProgressListener.NONE), "layout size mismatch");
        GenerationSettings badLayers = new GenerationSettings(PROMPT, "", SIZE, SIZE, 2, 7.5f, "ddim", 0f, 1L, 1, GuidanceMode.ZEST,
                0.3f, 0.5f, "down_blocks.9", "sqrt", 0.4f);
        var e = assertThrows(IllegalArgumentException.class, () -> p.generate(badLayers, layout, ProgressListener.NONE));
        assertTrue(e.getMessage().contains("down_blocks.9"), e.getMessage());
    }

    @Test
    void aListenerCanCancel() {
        int[] calls = {0};
        ProgressListener stopAfterTwo = new ProgressListener() {
            @Override public void onStep(int step, int total, zest.diffusion.pipeline.StepInfo info) { calls[0]++; }

            @Override public boolean cancelled() { return calls[0] >= 2; }
        };
        assertThrows(CancelledException.class, () -> pipeline(new ArrayList<>()).generate(settings(GuidanceMode.NONE), null, stopAfterTwo));
        assertEquals(2, calls[0]);
    }

    @Test
    void givenInitialLatentsMatchTheSeededNoise() {
        Tensor noise = new zest.engine.random.TorchGenerator(1234L).randn(1, 4, 16, 16);
        GenerationResult r = pipeline(new ArrayList<>()).generate(settings(GuidanceMode.NONE), null, noise, ProgressListener.NONE);
        assertArrayEquals(pixels(none()), pixels(r));
        assertFalse(Arrays.equals(pixels(none()), new float[pixels(none()).length]));
    }
}
