package zest.diffusion.toy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.schedulers.Schedulers;
import zest.engine.Tensor;
import zest.engine.cpu.Parallel;
import zest.engine.ops.Losses;
import zest.engine.random.TorchGenerator;
import zest.nn.Parameter;
import zest.nn.clip.CLIPTextModel;
import zest.nn.clip.ClipTokenizer;
import zest.nn.unet.UNet2DConditionModel;

/**
 * Trains the toy text-to-image model with zest's own autograd: ε-prediction MSE at uniformly drawn timesteps of the
 * scheduler's DDPM noise schedule, the CLIP text encoder trained jointly, captions dropped to "" at a fixed rate
 * (so classifier-free guidance works), AdamW, global-norm clipping, warm-up + cosine learning rate, and an EMA copy
 * of the weights.
 *
 * <p>Every random choice of step t is drawn from generators seeded by (seed, t) alone, and the weights, optimizer
 * moments and EMA are the whole remaining state, so a run resumed from a checkpoint continues bit-identically.
 */
public final class Trainer {
    private static final long TAG_INIT_UNET = 1, TAG_INIT_TEXT = 2, TAG_CHOICES = 3, TAG_NOISE = 4;

    private TrainSettings settings;
    private final List<Reschedule> reschedules = new ArrayList<>();
    private final ToyModelConfig arch;
    private final ToyWorld world;
    private final UNet2DConditionModel unet;
    private final CLIPTextModel textEncoder;
    private final ClipTokenizer tokenizer;
    private final float[] alphasCumprod;
    private final List<String> names = new ArrayList<>();
    private final List<Parameter> params = new ArrayList<>();
    private final List<float[]> values = new ArrayList<>();
    private final AdamW optimizer;
    private final Ema ema;
    private final Map<String, long[]> idCache = new HashMap<>();
    private final List<Float> losses = new ArrayList<>();
    private long step;
    private double lastGradNorm;

    /** A fresh run: weights initialised from the seed. */
    public Trainer(TrainSettings settings) {
        this.settings = settings;
        this.arch = settings.architecture();
        Parallel.setThreads(settings.threads());
        this.world = new ToyWorld(arch.imageSize());
        this.unet = arch.newUNet();
        this.textEncoder = arch.newTextEncoder();
        unet.initialize(new SplittableRandom(ToyWorld.mix(settings.seed(), TAG_INIT_UNET)));
        textEncoder.initialize(new SplittableRandom(ToyWorld.mix(settings.seed(), TAG_INIT_TEXT)));
        this.tokenizer = ModelLoader.bundledTokenizer();
        this.alphasCumprod = Schedulers.fromConfig(ToyModelConfig.schedulerConfig(), null).alphasCumprod();
        this.optimizer = new AdamW(0.9, 0.999, 1e-8, settings.weightDecay());
        this.ema = new Ema(settings.emaDecay());
        collect("unet.", unet.namedParameters());
        collect("text_encoder.", textEncoder.namedParameters());
    }

    /** Makes every weight an F32 leaf over an array the optimizer updates in place. */
    private void collect(String prefix, Map<String, Parameter> ps) {
        for (var e : ps.entrySet()) {
            Parameter p = e.getValue();
            float[] data = p.value().toFloatArray();
            p.set(Tensor.of(data, p.shape()).requiresGrad(true));
            names.add(prefix + e.getKey());
            params.add(p);
            values.add(data);
            // decay matrices and kernels, never biases, norm scales or embeddings' rows nobody uses
            optimizer.add(data, p.shape().length >= 2 && !e.getKey().contains("embedding"));
            ema.add(data);
        }
    }

    public TrainSettings settings() { return settings; }

    /**
     * A change of a run's length made when resuming it: from step {@code atStep} on, the learning-rate schedule
     * runs to {@code toSteps} instead of {@code fromSteps}. Recorded so the run stays reproducible.
     */
    public record Reschedule(long atStep, int fromSteps, int toSteps) {
        public String encode() { return atStep + ":" + fromSteps + ":" + toSteps; }

        public static Reschedule decode(String s) {
            String[] p = s.split(":");
            if (p.length != 3) throw new IllegalArgumentException("bad reschedule record '" + s + "'");
            return new Reschedule(Long.parseLong(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        }
    }

    /** The run's length changes so far, oldest first. */
    public List<Reschedule> reschedules() { return List.copyOf(reschedules); }

    /**
     * Changes the run's total length from the current step on (the cosine decay is re-planned to end at the new
     * last step; warm-up and every other setting stay). The new length must lie beyond the steps already done.
     */
    public void reschedule(int totalSteps) {
        if (totalSteps <= step) throw new IllegalArgumentException("the run has done " + step + " steps; a new length must be larger, got " + totalSteps);
        if (totalSteps == settings.steps()) return;
        reschedules.add(new Reschedule(step, settings.steps(), totalSteps));
        settings = settings.withSteps(totalSteps);
    }

    void restoreReschedules(List<Reschedule> history) {
        reschedules.clear();
        reschedules.addAll(history);
    }

    public UNet2DConditionModel unet() { return unet; }

    public CLIPTextModel textEncoder() { return textEncoder; }

    /** Steps completed. */
    public long step() { return step; }

    public boolean finished() { return step >= settings.steps(); }

    /** Loss of every step so far (index = step − 1). */
    public List<Float> losses() { return List.copyOf(losses); }

    public double lastGradNorm() { return lastGradNorm; }

    /** Parameter names (unet.* / text_encoder.*) in a fixed order, matching {@link #values} and {@link #emaValues}. */
    public List<String> names() { return List.copyOf(names); }

    /** The live weights (do not modify). */
    public List<float[]> values() { return values; }

    public List<float[]> emaValues() {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < ema.size(); i++) out.add(ema.shadow(i));
        return out;
    }

    AdamW optimizer() { return optimizer; }

    Ema ema() { return ema; }

    /** Runs one optimizer step and returns its loss. */
    public float trainStep() {
        if (finished()) throw new IllegalStateException("training already finished (" + settings.steps() + " steps)");
        return trainOn(batch(step));
    }

    /** One optimizer step on the given inputs (tests overfit a fixed batch with it). */
    float trainOn(Batch b) {
        Tensor ehs = textEncoder.forward(b.ids()).lastHiddenState();
        Tensor pred = unet.forward(b.noisy(), b.timesteps(), ehs);
        Tensor loss = Losses.mse(pred, b.noise());
        loss.backward();

        List<float[]> grads = new ArrayList<>(params.size());
        for (Parameter p : params) {
            Tensor g = p.value().grad();
            grads.add(g == null ? null : g.toFloatArray());
            p.value().zeroGrad();
        }
        lastGradNorm = GradientClipping.clip(grads, settings.clipNorm());
        optimizer.step(grads, settings.schedule().at(step));
        step++;
        ema.update(step);
        float l = loss.item();
        losses.add(l);
        return l;
    }

    /** The inputs of step {@code s}: noised images, their timesteps and noise, and caption token ids. */
    record Batch(Tensor noisy, Tensor timesteps, Tensor noise, Tensor ids) {}

    Batch batch(long s) {
        int n = settings.batch(), size = arch.imageSize(), pix = 3 * size * size;
        SplittableRandom choices = new SplittableRandom(ToyWorld.mix(ToyWorld.mix(settings.seed(), TAG_CHOICES), s));
        float[] noise = new TorchGenerator(ToyWorld.mix(ToyWorld.mix(settings.seed(), TAG_NOISE), s)).randn(n * pix);
        float[] noisy = new float[n * pix], t = new float[n];
        long[] ids = new long[n * tokenizer.contextLength()];
        for (int i = 0; i < n; i++) {
            ToyScene scene = world.trainingScene(settings.seed(), s, i);
            int ti = choices.nextInt(alphasCumprod.length);
            boolean drop = choices.nextDouble() < settings.captionDropout();
            t[i] = ti;
            float a = (float) Math.sqrt(alphasCumprod[ti]), c = (float) Math.sqrt(1 - alphasCumprod[ti]);
            for (int k = 0; k < pix; k++) noisy[i * pix + k] = a * scene.image()[k] + c * noise[i * pix + k];
            long[] tok = tokens(drop ? "" : scene.caption());
            System.arraycopy(tok, 0, ids, i * tok.length, tok.length);
        }
        return new Batch(Tensor.of(noisy, n, 3, size, size), Tensor.of(t, n), Tensor.of(noise, n, 3, size, size),
                Tensor.ofLongs(ids, n, tokenizer.contextLength()));
    }

    private long[] tokens(String caption) {
        return idCache.computeIfAbsent(caption, c -> {
            int[] ids = tokenizer.encodePadded(c);
            long[] l = new long[ids.length];
            for (int i = 0; i < ids.length; i++) l[i] = ids[i];
            return l;
        });
    }

    /** Restores a checkpoint's state into this (freshly built, same-settings) trainer. */
    void restore(long stepDone, List<float[]> weights, List<float[]> m, List<float[]> v, List<float[]> emaWeights, List<Float> lossHistory) {
        for (int i = 0; i < values.size(); i++) System.arraycopy(weights.get(i), 0, values.get(i), 0, values.get(i).length);
        optimizer.restore(stepDone, m, v);
        ema.restore(emaWeights);
        losses.clear();
        losses.addAll(lossHistory);
        step = stepDone;
    }

    /** name → EMA weight tensor, split by component prefix ("unet." / "text_encoder."), for export. */
    Map<String, Tensor> emaStateDict(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++)
            if (names.get(i).startsWith(prefix))
                out.put(names.get(i).substring(prefix.length()), Tensor.of(ema.shadow(i).clone(), params.get(i).shape()));
        return out;
    }

    List<Parameter> parameters() { return params; }
}
