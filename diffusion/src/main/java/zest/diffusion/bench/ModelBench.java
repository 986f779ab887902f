package zest.diffusion.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import zest.diffusion.zestguide.AttentionCapture;
import zest.diffusion.zestguide.LayerSelection;
import zest.diffusion.zestguide.ZestGuideLoss;
import zest.engine.DType;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.cpu.Parallel;
import zest.engine.random.TorchGenerator;
import zest.nn.JsonConfig;
import zest.nn.unet.UNet2DConditionModel;
import zest.nn.unet.UNetConfig;
import zest.nn.vae.AutoencoderKL;
import zest.nn.vae.VaeConfig;

/**
 * Runs one whole-model case in this JVM: the SD 1.5 UNet (diffusers' runwayml/stable-diffusion-v1-5 config,
 * 859,520,964 parameters) with random F32 or F16 weights, timed as warm-up then best of N.
 *
 * <p>The guided case is one ZestGuide step as the issue and the authors' code define it (the pipeline's own step is
 * cheaper: it reuses the recorded conditional pass's ε and runs only the unconditional half of the CFG forward): the
 * conditional forward (batch 1) records the autograd graph and captures the cross-attention probabilities of the
 * default layers (down_blocks.2, up_blocks.1: 16×16 at 512 px; up_blocks.2: 32×32), {@link AttentionCapture}
 * stops recording after the last of them, the {@link ZestGuideLoss} of a two-segment layout is back-propagated to
 * the latent (with the pipeline's gradient checkpointing); then the classifier-free-guidance forward, batch 2,
 * without grad. The VAE case decodes one latent with the SD 1.5 VAE.
 */
public final class ModelBench {
    /** Text context length and width of SD 1.5 (CLIP ViT-L/14). */
    static final int TOKENS = 77, CONTEXT_DIM = 768;
    private static final float TIMESTEP = 500f;

    private final int warmup, reps;
    private final DType weights;
    private final PrintStream log;

    /**
     * @param reps    timed runs per part (best is reported); warmup untimed runs before them
     * @param weights F32 (random weights as {@code initialize} draws them) or F16 (random half-precision weights
     *                in 16-bit storage, as an fp16 checkpoint loads)
     */
    public ModelBench(int warmup, int reps, DType weights, PrintStream log) {
        if (warmup < 0 || reps < 1) throw new IllegalArgumentException("need warmup >= 0 and reps >= 1, got " + warmup + ", " + reps);
        if (weights != DType.F32 && weights != DType.F16) throw new IllegalArgumentException("bench weights are F32 or F16, got " + weights);
        this.warmup = warmup;
        this.reps = reps;
        this.weights = weights;
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

    /** The SD 1.5 VAE config bundled with the bench (a copy of the diffusers config.json). */
    static VaeConfig sd15VaeConfig() {
        try (InputStream in = ModelBench.class.getResourceAsStream("/zest/bench/sd15-vae-config.json")) {
            if (in == null) throw new IllegalStateException("bench resource /zest/bench/sd15-vae-config.json is missing from the jar");
            return VaeConfig.fromJson(JsonConfig.parse("sd15-vae-config.json", new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds the model, runs the case, and reports times and this process's memory peaks. */
    public CaseResult run(ModelCase c, int threads) {
        Parallel.setThreads(threads);
        MemoryProbe probe = new MemoryProbe();
        if (c.kind() == ModelCase.Kind.VAE) return vaeDecode(c, probe);
        Map<String, Object> info = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        UNet2DConditionModel unet = new UNet2DConditionModel(sd15Config());
        long params = unet.parameterCount(), weightBytes = randomWeights(unet, "UNet", t0);
        info.put("weights_dtype", weights.name());
        info.put("weights_bytes", weightBytes);
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
                        split -> cfgForward(unet, latents2, t, context2, null)));
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
                stage = "ZestGuide forward+backward (memory breakdown)";
                // one untimed pass that measures what the graph holds (full GCs), then the timed ones
                Map<String, Object> memory = new LinkedHashMap<>();
                memory.put("heap_live_weights_and_inputs_bytes", liveHeapNow());
                long m0 = System.nanoTime();
                guidedGradient(unet, latent1, t, context1, selection, c.pixels(), layers, masks, tokens, new LinkedHashMap<>(), memory);
                memory.put("heap_live_after_backward_bytes", liveHeapNow());
                log.printf("# zest guided memory pass: %.2f s, live heap: %s%n", (System.nanoTime() - m0) / 1e9,
                        memory.entrySet().stream().map(e -> e.getKey() + " " + MemoryProbe.gb((Long) e.getValue())).toList());
                info.putAll(memory);
                stage = "ZestGuide forward+backward";
                parts.put(ModelCase.GUIDED_PART, time(ModelCase.partLabel(ModelCase.GUIDED_PART, s), Math.max(0, warmup - 1),
                        split -> guidedGradient(unet, latent1, t, context1, selection, c.pixels(), layers, masks, tokens, split, null)));
                stage = "CFG forward";
                parts.put(ModelCase.CFG_PART, time(ModelCase.partLabel(ModelCase.CFG_PART, s), 0,
                        split -> cfgForward(unet, latents2, t, context2, null)));
                // the peaks are those of the steady state; one more pass measures the pipeline's first guided step,
                // which does not know the layer count yet and so records the graph through the whole UNet
                long rss = MemoryProbe.peakRssBytes(), live = probe.peakHeapAfterGcBytes(), used = probe.peakHeapUsedBytes();
                stage = "first-step ZestGuide pass (whole graph)";
                Map<String, Object> whole = new LinkedHashMap<>();
                try {
                    guidedGradient(unet, latent1, t, context1, selection, c.pixels(), 0, masks, tokens, new LinkedHashMap<>(), whole);
                    info.put("heap_live_with_whole_graph_bytes", whole.get("heap_live_with_guided_graph_bytes"));
                    log.printf("# zest first-step pass (whole graph recorded): live heap %s%n", MemoryProbe.gb((Long) whole.get("heap_live_with_guided_graph_bytes")));
                } catch (OutOfMemoryError e) {
                    info.put("whole_graph_note", "OutOfMemoryError with the whole graph recorded (" + e.getMessage() + ")");
                }
                return new CaseResult(c.id(), parts, rss, live, used, params, info, null);
            }
        } catch (OutOfMemoryError e) {
            long live = probe.peakHeapAfterGcBytes();
            String note = "OutOfMemoryError in " + stage + " (" + e.getMessage() + "); heap limit " + MemoryProbe.gb(MemoryProbe.maxHeapBytes())
                    + ", peak heap after GC " + MemoryProbe.gb(live) + ", weights " + MemoryProbe.gb((Long) info.get("weights_bytes"));
            return new CaseResult(c.id(), Map.of(), MemoryProbe.peakRssBytes(), live, probe.peakHeapUsedBytes(), params, info, note);
        }
        return new CaseResult(c.id(), parts, MemoryProbe.peakRssBytes(), probe.peakHeapAfterGcBytes(), probe.peakHeapUsedBytes(),
                params, info, null);
    }

    /**
     * Gives a model random weights in the case's dtype (F16: a memory-mapped file, as an fp16 checkpoint loads) and
     * returns the bytes they take.
     */
    private long randomWeights(zest.nn.Module model, String what, long t0) {
        long params = model.parameterCount(), weightBytes = params * 4;
        if (weights == DType.F16) weightBytes = RandomHalfWeights.fill(model, 0);
        else model.initialize(new SplittableRandom(0));
        log.printf("# zest SD 1.5 %s: %,d parameters (%s, %s), built in %.1f s%n", what, params, weights,
                MemoryProbe.gb(weightBytes), (System.nanoTime() - t0) / 1e9);
        return weightBytes;
    }

    /** The VAE case: decodes one random latent of the case's size (no graph), warm-up then best of N. */
    private CaseResult vaeDecode(ModelCase c, MemoryProbe probe) {
        long t0 = System.nanoTime();
        AutoencoderKL vae = new AutoencoderKL(sd15VaeConfig());
        long params = vae.parameterCount(), weightBytes = randomWeights(vae, "VAE", t0);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("weights_dtype", weights.name());
        info.put("weights_bytes", weightBytes);
        info.put("max_heap_bytes", MemoryProbe.maxHeapBytes());
        Tensor latent = new TorchGenerator(0).randn(1, 4, c.size(), c.size());
        try {
            CaseResult.Timing timing = time(ModelCase.partLabel(ModelCase.VAE_PART, c.size()), warmup, split -> {
                try (var ignored = GradMode.noGrad()) {
                    vae.decode(latent);
                }
            });
            return new CaseResult(c.id(), Map.of(ModelCase.VAE_PART, timing), MemoryProbe.peakRssBytes(),
                    probe.peakHeapAfterGcBytes(), probe.peakHeapUsedBytes(), params, info, null);
        } catch (OutOfMemoryError e) {
            return new CaseResult(c.id(), Map.of(), MemoryProbe.peakRssBytes(), probe.peakHeapAfterGcBytes(),
                    probe.peakHeapUsedBytes(), params, info, "OutOfMemoryError in the VAE decode (" + e.getMessage() + ")");
        }
    }

    /** ε for [uncond, cond] in one batch-2 pass, no graph. */
    static Tensor cfgForward(UNet2DConditionModel unet, Tensor latents2, Tensor t, Tensor context2, AttentionCapture capture) {
        try (var ignored = GradMode.noGrad()) {
            return unet.forward(latents2, t, context2, capture);
        }
    }

    /**
     * ∂L/∂x_t of the ZestGuide loss, batch 1 (the pipeline's guided pass for one image). Notes the forward and the
     * loss + backward times in {@code splits}; with {@code memory} non-null also the live heap (after a full GC)
     * once the graph is recorded (untimed warm-up only: the GC costs seconds).
     */
    static Tensor guidedGradient(UNet2DConditionModel unet, Tensor latent, Tensor t, Tensor context, LayerSelection selection,
                                 int pixels, int expectedLayers, Tensor masks, int[][] tokens, Map<String, Double> splits,
                                 Map<String, Object> memory) {
        long t0 = System.nanoTime();
        Tensor xg = latent.detach().requiresGrad(true);
        AttentionCapture capture = new AttentionCapture(selection, pixels, expectedLayers);
        Tensor eps;
        unet.setGradientCheckpointing(true); // as the pipeline's guided steps
        try (capture) {
            eps = unet.forward(xg, t, context, capture);
        } finally {
            unet.setGradientCheckpointing(false);
        }
        long t1 = System.nanoTime();
        if (memory != null) memory.put("heap_live_with_guided_graph_bytes", liveHeapNow());
        long t2 = System.nanoTime();
        int s = latent.size(2);
        ZestGuideLoss.Result r = ZestGuideLoss.compute(capture.mapsOf(0).meanMaps(s, latent.size(3)), masks, tokens);
        r.loss().backward();
        Tensor g = xg.grad();
        long t3 = System.nanoTime();
        // the pipeline keeps ε (for the CFG combination) until after the backward, and with it whatever graph it
        // holds: without the layer count (its first guided step) that is the graph through the whole UNet
        Reference.reachabilityFence(eps);
        if (g == null) throw new IllegalStateException("the ZestGuide loss produced no gradient for the latent");
        splits.put("forward", (t1 - t0) / 1e9);
        splits.put("loss+backward", (t3 - t2) / 1e9);
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

    /** One timed operation; it may note the wall time of its stages in {@code splits}. */
    @FunctionalInterface
    interface Op {
        void run(Map<String, Double> splits);
    }

    private CaseResult.Timing time(String label, int warmupRuns, Op op) {
        for (int i = 0; i < warmupRuns; i++) {
            long t0 = System.nanoTime();
            op.run(new LinkedHashMap<>());
            log.printf("# zest %s warm-up %d: %.2f s%n", label, i + 1, (System.nanoTime() - t0) / 1e9);
        }
        List<Double> runs = new ArrayList<>(), cpu = new ArrayList<>();
        Map<String, List<Double>> splits = new LinkedHashMap<>();
        for (int i = 0; i < reps; i++) {
            Map<String, Double> split = new LinkedHashMap<>();
            long c0 = processCpuNanos(), t0 = System.nanoTime();
            op.run(split);
            runs.add((System.nanoTime() - t0) / 1e9);
            long c1 = processCpuNanos();
            cpu.add(c0 < 0 || c1 < 0 ? Double.NaN : (c1 - c0) / 1e9);
            split.forEach((k, v) -> splits.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            log.printf("# zest %s run %d: %.2f s (CPU %.2f s)%s%n", label, i + 1, runs.getLast(), cpu.getLast(),
                    split.isEmpty() ? "" : " " + split.entrySet().stream().map(e -> String.format("%s %.2f s", e.getKey(), e.getValue())).toList());
        }
        return CaseResult.Timing.of(runs, cpu, splits);
    }

    /** CPU time of this process (all threads, user + system), or -1. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getProcessCpuTime();
        return -1;
    }

    /** Java heap in use right after a full collection (what is really held), for the memory breakdown. */
    static long liveHeapNow() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
