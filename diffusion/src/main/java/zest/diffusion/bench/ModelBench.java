package zest.diffusion.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import zest.diffusion.zestguide.AttentionCapture;
import zest.diffusion.zestguide.LayerSelection;
import zest.diffusion.zestguide.ZestGuideLoss;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.cpu.Parallel;
import zest.engine.random.TorchGenerator;
import zest.nn.JsonConfig;
import zest.nn.unet.UNet2DConditionModel;
import zest.nn.unet.UNetConfig;

/**
 * Runs one whole-model case in this JVM: the SD 1.5 UNet (diffusers' runwayml/stable-diffusion-v1-5 config,
 * 859,520,964 parameters) with random F32 weights, timed as warm-up then best of N.
 *
 * <p>The guided case is one ZestGuide step as {@link zest.diffusion.pipeline.StableDiffusionPipeline} does it: the
 * conditional forward (batch 1) records the autograd graph and captures the cross-attention probabilities of the
 * default layers (down_blocks.2, up_blocks.1: 16×16 at 512 px; up_blocks.2: 32×32), {@link AttentionCapture}
 * stops recording after the last of them, the {@link ZestGuideLoss} of a two-segment layout is back-propagated to
 * the latent; then the classifier-free-guidance forward, batch 2, without grad.
 */
public final class ModelBench {
    /** Text context length and width of SD 1.5 (CLIP ViT-L/14). */
    static final int TOKENS = 77, CONTEXT_DIM = 768;
    private static final float TIMESTEP = 500f;

    private final int warmup, reps;
    private final PrintStream log;

    /** @param reps timed runs per part (best is reported); warmup untimed runs before them */
    public ModelBench(int warmup, int reps, PrintStream log) {
        if (warmup < 0 || reps < 1) throw new IllegalArgumentException("need warmup >= 0 and reps >= 1, got " + warmup + ", " + reps);
        this.warmup = warmup;
        this.reps = reps;
        this.log = log;
    }

    /** The SD 1.5 UNet config bundled with the bench (a copy of the diffusers config.json). */
    public static UNetConfig sd15Config() {
        try (InputStream in = ModelBench.class.getResourceAsStream("/zest/bench/sd15-unet-config.json")) {
            if (in == null) throw new IllegalStateException("bench resource /zest/bench/sd15-unet-config.json is missing from the jar");
            return UNetConfig.fromJson(JsonConfig.parse("sd15-unet-config.json", new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds the model, runs the case, and reports times and this process's memory peaks. */
    public CaseResult run(ModelCase c, int threads) {
        Parallel.setThreads(threads);
        MemoryProbe probe = new MemoryProbe();
        Map<String, Object> info = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        UNet2DConditionModel unet = new UNet2DConditionModel(sd15Config());
        unet.initialize(new SplittableRandom(0));
        long params = unet.parameterCount();
        log.printf("# zest SD 1.5 UNet: %,d parameters (F32, %s), built in %.1f s%n", params,
                MemoryProbe.gb(params * 4), (System.nanoTime() - t0) / 1e9);
        info.put("weights_bytes", params * 4);
        info.put("max_heap_bytes", MemoryProbe.maxHeapBytes());
        info.put("rss_after_init_bytes", MemoryProbe.rssBytes());

        int s = c.size();
        TorchGenerator gen = new TorchGenerator(0);
        Tensor latents2 = gen.randn(2, 4, s, s), context2 = gen.randn(2, TOKENS, CONTEXT_DIM);
        Tensor t = Tensor.scalar(TIMESTEP);
        Map<String, CaseResult.Timing> parts = new LinkedHashMap<>();
        String stage = "warm-up";
        try {
            if (c.kind() == ModelCase.Kind.UNET) {
                stage = "CFG forward";
                parts.put(ModelCase.CFG_PART, time(ModelCase.partLabel(ModelCase.CFG_PART, s), warmup,
                        () -> cfgForward(unet, latents2, t, context2, null)));
            } else {
                LayerSelection selection = LayerSelection.parse(LayerSelection.DEFAULT);
                // the untimed CFG warm-up also counts the selected layers, so that every guided pass (warm-up too)
                // stops recording after the last of them, as the pipeline does from its second guided step on
                AttentionCapture counter = new AttentionCapture(selection, c.pixels(), 0);
                stage = "CFG forward (warm-up)";
                for (int i = 0; i < Math.max(1, warmup); i++) {
                    long w0 = System.nanoTime();
                    cfgForward(unet, latents2, t, context2, i == 0 ? counter : null);
                    log.printf("# zest %s warm-up %d: %.2f s%n", ModelCase.partLabel(ModelCase.CFG_PART, s), i + 1, (System.nanoTime() - w0) / 1e9);
                }
                int layers = counter.capturedLayers();
                info.put("captured_layers", layers);
                log.printf("# zest guided: %d cross-attention layers captured%n", layers);
                Tensor latent1 = latents2.narrow(0, 0, 1).contiguous(), context1 = context2.narrow(0, 0, 1).contiguous();
                Tensor masks = layoutMasks(s);
                int[][] tokens = layoutTokens();
                stage = "ZestGuide forward+backward";
                parts.put(ModelCase.GUIDED_PART, time(ModelCase.partLabel(ModelCase.GUIDED_PART, s), warmup,
                        () -> guidedGradient(unet, latent1, t, context1, selection, c.pixels(), layers, masks, tokens)));
                stage = "CFG forward";
                parts.put(ModelCase.CFG_PART, time(ModelCase.partLabel(ModelCase.CFG_PART, s), 0,
                        () -> cfgForward(unet, latents2, t, context2, null)));
            }
        } catch (OutOfMemoryError e) {
            long live = probe.peakLiveHeapBytes();
            String note = "OutOfMemoryError in " + stage + " (" + e.getMessage() + "); heap limit " + MemoryProbe.gb(MemoryProbe.maxHeapBytes())
                    + ", peak live heap " + MemoryProbe.gb(live) + ", weights " + MemoryProbe.gb(params * 4);
            return new CaseResult(c.id(), Map.of(), MemoryProbe.peakRssBytes(), live, probe.peakHeapUsedBytes(), params, info, note);
        }
        return new CaseResult(c.id(), parts, MemoryProbe.peakRssBytes(), probe.peakLiveHeapBytes(), probe.peakHeapUsedBytes(),
                params, info, null);
    }

    /** ε for [uncond, cond] in one batch-2 pass, no graph. */
    static Tensor cfgForward(UNet2DConditionModel unet, Tensor latents2, Tensor t, Tensor context2, AttentionCapture capture) {
        try (var ignored = GradMode.noGrad()) {
            return unet.forward(latents2, t, context2, capture);
        }
    }

    /** ∂L/∂x_t of the ZestGuide loss, batch 1 (the pipeline's guided pass for one image). */
    static Tensor guidedGradient(UNet2DConditionModel unet, Tensor latent, Tensor t, Tensor context, LayerSelection selection,
                                 int pixels, int expectedLayers, Tensor masks, int[][] tokens) {
        Tensor xg = latent.detach().requiresGrad(true);
        AttentionCapture capture = new AttentionCapture(selection, pixels, expectedLayers);
        try (capture) {
            unet.forward(xg, t, context, capture);
        }
        int s = latent.size(2);
        ZestGuideLoss.Result r = ZestGuideLoss.compute(capture.mapsOf(0).meanMaps(s, latent.size(3)), masks, tokens);
        r.loss().backward();
        Tensor g = xg.grad();
        if (g == null) throw new IllegalStateException("the ZestGuide loss produced no gradient for the latent");
        return g;
    }

    /** Two segments: the left and right halves of the latent (the same layout as bench/torch_unet.py). */
    static Tensor layoutMasks(int size) {
        float[] m = new float[2 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) m[(x < size / 2 ? 0 : size * size) + y * size + x] = 1f;
        }
        return Tensor.of(m, 2, size, size);
    }

    /** The segments' prompt tokens (BOS = 0): {1, 2} and {4}. */
    static int[][] layoutTokens() { return new int[][] {{1, 2}, {4}}; }

    private CaseResult.Timing time(String label, int warmupRuns, Supplier<Tensor> op) {
        for (int i = 0; i < warmupRuns; i++) {
            long t0 = System.nanoTime();
            op.get();
            log.printf("# zest %s warm-up %d: %.2f s%n", label, i + 1, (System.nanoTime() - t0) / 1e9);
        }
        List<Double> runs = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            op.get();
            runs.add((System.nanoTime() - t0) / 1e9);
            log.printf("# zest %s run %d: %.2f s%n", label, i + 1, runs.getLast());
        }
        return CaseResult.Timing.of(runs);
    }
}
