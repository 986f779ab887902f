package zest.diffusion.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import zest.diffusion.layout.Layout;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.pww.PaintWithWords;
import zest.diffusion.schedulers.Scheduler;
import zest.diffusion.schedulers.Schedulers;
import zest.diffusion.zestguide.AttentionCapture;
import zest.diffusion.zestguide.AttentionMaps;
import zest.diffusion.zestguide.LayerSelection;
import zest.diffusion.zestguide.SegmentTokens;
import zest.diffusion.zestguide.ZestGuideLoss;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.ops.Elementwise;
import zest.engine.ops.Reductions;
import zest.engine.ops.ShapeOps;
import zest.engine.random.TorchGenerator;
import zest.nn.attention.AttentionHook;

/**
 * Text-to-image with classifier-free guidance, and layout guidance on top: ZestGuide (gradient of the
 * attention-segmentation loss w.r.t. x_t, by our autograd), Paint-with-Words (logit bias), both, or
 * MultiDiffusion-style regional prompts. Follows diffusers' StableDiffusionPipeline step for step, so a seed gives
 * the same latents as diffusers with {@code torch.Generator().manual_seed(seed)}.
 */
public final class StableDiffusionPipeline {
    private final DiffusionModel model;
    private Consumer<String> warnings = w -> System.err.println("zest: warning: " + w);
    private boolean recordMaps;
    private int checkpointMinCells = zest.nn.CheckpointPolicy.MIN_CELLS;

    public StableDiffusionPipeline(DiffusionModel model) { this.model = model; }

    public DiffusionModel model() { return model; }

    /** Where warnings (unmatched segment words, repeats) go; stderr by default. */
    public StableDiffusionPipeline onWarning(Consumer<String> sink) { this.warnings = sink; return this; }

    /**
     * Also compute the per-segment attention maps Ŝ (and the ZestGuide loss value) on steps that are not guided,
     * for export and live display; costs a capture of the selected layers' probabilities in the conditional pass.
     */
    public StableDiffusionPipeline recordMaps(boolean on) { this.recordMaps = on; return this; }

    /**
     * Whether guided steps recompute activations in their backward instead of keeping them (on by default): the
     * gradient and the image are bit for bit the same, the guided pass's graph shrinks from about 2 GB to 0.5 GB at
     * 512 px, for one more forward of the recomputed parts (resnets, unread transformers, self-attentions and
     * feed-forwards) in the backward; grids under 32×32, whose activations are small, keep theirs
     * ({@link zest.nn.CheckpointPolicy}).
     */
    public StableDiffusionPipeline gradientCheckpointing(boolean on) {
        return gradientCheckpointing(on ? zest.nn.CheckpointPolicy.MIN_CELLS : zest.nn.CheckpointPolicy.OFF);
    }

    /** Checkpointing of the segments on grids of at least {@code minCells} cells (0: all of them). */
    public StableDiffusionPipeline gradientCheckpointing(int minCells) {
        if (minCells < 0) throw new IllegalArgumentException("minCells < 0: " + minCells);
        this.checkpointMinCells = minCells;
        return this;
    }

    /** Prompt ids padded to the tokenizer's context length. */
    public int[] tokenize(String text) { return model.tokenizer().encodePadded(text); }

    /** CLIP text embeddings [1, 77, D] of a prompt. */
    public Tensor encodePrompt(String text) {
        int[] ids = tokenize(text);
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        try (var ignored = GradMode.noGrad()) {
            return model.textEncoder().forward(Tensor.ofLongs(l, 1, ids.length)).lastHiddenState();
        }
    }

    /** Generates from fresh seeded noise. */
    public GenerationResult generate(GenerationSettings s, Layout layout, ProgressListener listener) {
        return generate(s, layout, null, listener);
    }

    /**
     * @param initialLatents starting noise [batch, C, h, w] (scaled by the sampler's init sigma here, as diffusers
     *                       does with given latents), or null to draw it from {@code torch.Generator().manual_seed(seed)}
     */
    public GenerationResult generate(GenerationSettings s, Layout layout, Tensor initialLatents, ProgressListener listener) {
        int down = model.downscale();
        if (s.width() % 8 != 0 || s.height() % 8 != 0)
            throw new IllegalArgumentException("width and height must be multiples of 8, got " + s.width() + "x" + s.height());
        int lh = s.height() / down, lw = s.width() / down;
        boolean usesLayout = s.guidance() != GuidanceMode.NONE;
        if (usesLayout && (layout == null || layout.isEmpty()))
            throw new IllegalArgumentException("guidance '" + s.guidance().cliName() + "' needs a layout (--layout/--labels or --segment)");
        if (usesLayout && (layout.width() != s.width() || layout.height() != s.height()))
            throw new IllegalArgumentException("the layout is " + layout.width() + "x" + layout.height() + " but the image is "
                    + s.width() + "x" + s.height() + ": give masks of the image's size");

        String prompt = usesLayout && s.guidance() != GuidanceMode.MULTIDIFFUSION ? layout.completePrompt(s.prompt()) : s.prompt();
        int[] promptIds = tokenize(prompt);
        boolean tokensNeeded = layout != null && !layout.isEmpty() && s.guidance() != GuidanceMode.MULTIDIFFUSION
                && (usesLayout || recordMaps);
        int[][] segmentTokens = tokensNeeded
                ? SegmentTokens.locate(model.tokenizer(), promptIds, layout.texts(), warnings) : new int[0][];

        Tensor cond = encodePrompt(prompt);
        Tensor uncond = s.cfgScale() != 1f ? encodePrompt(s.negativePrompt()) : null;
        int batch = s.batch();
        Tensor condB = repeat(cond, batch), uncondB = uncond == null ? null : repeat(uncond, batch);

        Scheduler scheduler = Schedulers.fromConfig(model.schedulerConfig(), s.sampler());
        scheduler.setTimesteps(s.steps());
        float[] modelT = scheduler.modelTimesteps();
        int[] intT = scheduler.timesteps();
        int total = modelT.length;

        TorchGenerator gen = new TorchGenerator(s.seed());
        if (scheduler instanceof zest.diffusion.schedulers.DDIMScheduler ddim) ddim.setEta(s.samplerEta());
        Tensor noise0 = initialLatents != null ? initialLatents.toF32() : gen.randn(batch, model.latentChannels(), lh, lw);
        int[] want = {batch, model.latentChannels(), lh, lw};
        if (!java.util.Arrays.equals(noise0.shape(), want))
            throw new IllegalArgumentException("initial latents are " + java.util.Arrays.toString(noise0.shape()) + ", expected " + java.util.Arrays.toString(want));
        Tensor x = scheduler.initNoiseSigma() == 1f ? noise0 : noise0.mul(scheduler.initNoiseSigma());
        Scheduler.NoiseSource noise = gen::randn;

        Tensor masksLatent = layout != null && !layout.isEmpty() ? Tensor.of(layout.masksAt(lh, lw), layout.segments().size(), lh, lw) : null;
        PaintWithWords pww = s.guidance().usesPww() ? new PaintWithWords(layout, segmentTokens, s.pwwWeight(), cond.size(1)) : null;
        LayerSelection selection = LayerSelection.parse(s.layers());
        // layer terms name map sizes of SD's 64-cell latent (512 px); a model's latent stands for 8 px per cell there,
        // so a pixel-space model (latent = image) selects the same places in its network as SD does
        int selectionHeight = lh * 8;
        int guided = s.guidance().usesZest() ? s.guidedSteps(total) : 0;
        List<Tensor> regionalConds = s.guidance() == GuidanceMode.MULTIDIFFUSION ? regionalEmbeddings(layout, batch) : List.of();

        List<Float> losses = new ArrayList<>();
        List<Tensor> segmentMapsPerStep = new ArrayList<>();
        // known before the first guided step, so even that step can stop recording after the last layer it reads
        int layersSeen = s.guidance().usesZest() ? selectedLayerCount(selection, selectionHeight, lh, lw, batch, cond.size(1)) : 0;
        for (int i = 0; i < total; i++) {
            if (listener.cancelled()) throw new CancelledException();
            long t0 = System.nanoTime();
            Tensor tt = Tensor.full(modelT[i], batch);
            float alphaBar = scheduler.alphaCumprod(Math.clamp(intT[i], 0, scheduler.alphasCumprod().length - 1));
            if (pww != null) pww.setSigma(PaintWithWords.sigmaOf(alphaBar));
            AttentionHook condHook = pww;

            Tensor epsCond, grad = null;
            Float loss = null;
            Tensor sHat = null;
            if (i < guided) {
                Tensor xg = x.detach().requiresGrad(true);
                AttentionCapture capture = new AttentionCapture(selection, selectionHeight, layersSeen);
                // only this recorded forward checkpoints (the flag is read while recording; the model may be trained elsewhere)
                model.unet().setGradientCheckpointing(checkpointMinCells);
                try (capture) {
                    epsCond = model.unet().forward(scheduler.scaleModelInput(xg, i), tt, condB, AttentionHook.both(condHook, capture));
                } finally {
                    model.unet().setGradientCheckpointing(zest.nn.CheckpointPolicy.OFF);
                }
                if (capture.capturedLayers() == 0)
                    throw new IllegalArgumentException("attention layer selection '" + selection + "' matches no cross-attention layer of this UNet");
                if (layersSeen > 0 && capture.capturedLayers() != layersSeen)
                    throw new IllegalStateException("expected " + layersSeen + " selected attention layers but captured "
                            + capture.capturedLayers() + ": the graph would have been cut too early");
                layersSeen = capture.capturedLayers();
                Tensor totalLoss = null;
                List<Tensor> maps = new ArrayList<>();
                float lossSum = 0;
                for (int b = 0; b < batch; b++) {
                    AttentionMaps am = capture.mapsOf(b);
                    ZestGuideLoss.Result r = ZestGuideLoss.compute(am.meanMaps(lh, lw), masksLatent, segmentTokens);
                    totalLoss = totalLoss == null ? r.loss() : totalLoss.add(r.loss());
                    lossSum += r.loss().item();
                    maps.add(r.sHat().detach().unsqueeze(0));
                }
                totalLoss.backward();
                grad = xg.grad();
                epsCond = epsCond.detach();
                loss = lossSum / batch;
                sHat = ShapeOps.concat(0, maps.toArray(Tensor[]::new));
                losses.add(loss);
            } else if (recordMaps && segmentTokens.length > 0) {
                AttentionCapture capture = new AttentionCapture(selection, selectionHeight, 0);
                try (var ignored = GradMode.noGrad()) {
                    epsCond = model.unet().forward(scheduler.scaleModelInput(x, i), tt, condB, AttentionHook.both(condHook, capture));
                    List<Tensor> maps = new ArrayList<>();
                    float lossSum = 0;
                    for (int b = 0; b < batch && capture.capturedLayers() > 0; b++) {
                        ZestGuideLoss.Result r = ZestGuideLoss.compute(capture.mapsOf(b).meanMaps(lh, lw), masksLatent, segmentTokens);
                        lossSum += r.loss().item();
                        maps.add(r.sHat().unsqueeze(0));
                    }
                    if (!maps.isEmpty()) {
                        sHat = ShapeOps.concat(0, maps.toArray(Tensor[]::new));
                        loss = lossSum / batch;
                    }
                }
            } else {
                try (var ignored = GradMode.noGrad()) {
                    epsCond = model.unet().forward(scheduler.scaleModelInput(x, i), tt, condB, condHook);
                }
            }

            Tensor eps;
            try (var ignored = GradMode.noGrad()) {
                Tensor xin = scheduler.scaleModelInput(x, i);
                if (!regionalConds.isEmpty()) epsCond = regionalFusion(xin, tt, epsCond, regionalConds, masksLatent);
                if (uncondB != null) {
                    Tensor epsUncond = model.unet().forward(xin, tt, uncondB, null);
                    eps = epsUncond.add(epsCond.sub(epsUncond).mul(s.cfgScale()));
                } else {
                    eps = epsCond;
                }
                Scheduler.StepResult step = scheduler.step(eps, i, x, s.samplerEta() > 0 ? noise : null);
                x = step.prevSample();
                if (grad != null) x = applyGuidance(x, grad, s, alphaBar, intT[i], scheduler);
                if (sHat != null) segmentMapsPerStep.add(sHat);
                listener.onStep(i + 1, total, new StepInfo(intT[i], x, step.predOriginalSample(), loss, sHat,
                        (System.nanoTime() - t0) / 1e9));
            }
        }

        Tensor images = decode(x);
        return new GenerationResult(prompt, segmentTokens, x, images, losses, segmentMapsPerStep);
    }

    /**
     * How many cross-attention layers the selection reads in this UNet: each block's grid is the latent halved
     * (rounding up, as the stride-2 convolutions do) once per level — down_blocks.i at level i, the mid block at the
     * deepest level, up_blocks.j at level (n − 1 − j).
     */
    int selectedLayerCount(LayerSelection selection, int selectionHeight, int lh, int lw, int batch, int keys) {
        int levels = model.unet().config.blockOutChannels().length;
        int count = 0;
        for (zest.nn.attention.Attention a : model.unet().attentionLayers()) {
            String path = a.path();
            if (!path.endsWith("attn2")) continue;
            String[] parts = path.split("\\.");
            int level = switch (parts[0]) {
                case "down_blocks" -> Integer.parseInt(parts[1]);
                case "up_blocks" -> levels - 1 - Integer.parseInt(parts[1]);
                default -> levels - 1;
            };
            int h = lh, w = lw;
            for (int k = 0; k < level; k++) { h = (h + 1) / 2; w = (w + 1) / 2; }
            var ctx = new zest.nn.attention.AttentionContext(path, true, a.heads, h, w, batch, keys);
            if (selection.selects(ctx, selectionHeight)) count++;
        }
        return count;
    }

    /** x_{t−1} ← x_{t−1} − η·λ(t)·g / (max|g| + 1e-6), per image. */
    static Tensor applyGuidance(Tensor x, Tensor grad, GenerationSettings s, float alphaBar, int t, Scheduler scheduler) {
        float lambda = s.lambdaSchedule().equals("linear")
                ? (float) t / scheduler.alphasCumprod().length
                : (float) Math.sqrt(1 - alphaBar);
        int batch = x.size(0);
        Tensor[] parts = new Tensor[batch];
        for (int b = 0; b < batch; b++) {
            Tensor g = grad.narrow(0, b, 1);
            float maxAbs = Reductions.max(Elementwise.abs(g)).item();
            parts[b] = x.narrow(0, b, 1).sub(g.mul(s.zestEta() * lambda / (maxAbs + 1e-6f)));
        }
        return batch == 1 ? parts[0].contiguous() : ShapeOps.concat(0, parts);
    }

    /** MultiDiffusion-style fusion: each segment's own prompt predicts inside its mask, the global prompt elsewhere. */
    private Tensor regionalFusion(Tensor xin, Tensor tt, Tensor epsGlobal, List<Tensor> regionalConds, Tensor masks) {
        int k = regionalConds.size();
        Tensor weights = masks.unsqueeze(1); // [K, 1, h, w]
        Tensor coverage = Reductions.sum(weights, new int[] {0}, false); // [1, h, w]
        Tensor norm = Elementwise.maximum(coverage, Tensor.scalar(1f));
        Tensor fused = epsGlobal.mul(Elementwise.clamp(coverage.mul(-1f).add(1f), 0f, 1f));
        for (int i = 0; i < k; i++) {
            Tensor eps = model.unet().forward(xin, tt, regionalConds.get(i), null);
            fused = fused.add(eps.mul(weights.select(0, i).div(norm)));
        }
        return fused;
    }

    private List<Tensor> regionalEmbeddings(Layout layout, int batch) {
        List<Tensor> out = new ArrayList<>();
        for (String text : layout.texts()) out.add(repeat(encodePrompt(text), batch));
        return out;
    }

    /** Latents → images [B, H, W, 3] in [0, 1] (clamp(decoded / 2 + 0.5)), as diffusers' output_type "np". */
    public Tensor decode(Tensor latents) {
        try (var ignored = GradMode.noGrad()) {
            Tensor decoded = decodeRaw(latents);
            return Elementwise.clamp(decoded.div(2f).add(0.5f), 0f, 1f).permute(0, 2, 3, 1).contiguous();
        }
    }

    /** Latents → the VAE's raw output [B, 3, H, W] (for a model without VAE: the sample itself). */
    public Tensor decodeRaw(Tensor latents) {
        try (var ignored = GradMode.noGrad()) {
            if (model.vae() == null) return latents;
            return model.vae().decode(latents.div(model.vae().scalingFactor()));
        }
    }

    private static Tensor repeat(Tensor t, int batch) {
        if (batch == 1) return t;
        int[] shape = t.shape();
        shape[0] = batch;
        return t.expand(shape).contiguous();
    }
}
