package zest.diffusion.toy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Everything that decides a training run. Two runs with equal settings (and the same thread count, which fixes
 * how the kernels split their sums) produce bit-identical weights; the settings are stored in every checkpoint and
 * in the output's training.json so a run can be resumed or verified.
 *
 * @param model          architecture name for {@link ToyModelConfig#named}
 * @param steps          optimizer steps in total
 * @param batch          scenes per step
 * @param lr             peak learning rate
 * @param warmup         linear warm-up steps
 * @param lrFloor        final rate as a fraction of the peak (cosine decay)
 * @param weightDecay    AdamW's decoupled decay (matrices and convolution kernels only)
 * @param clipNorm       global gradient-norm limit
 * @param emaDecay       the EMA's final decay
 * @param captionDropout fraction of captions replaced by "" so classifier-free guidance has an unconditional model
 * @param seed           decides the initial weights, every batch, timestep and noise sample
 * @param threads        CPU threads (part of the settings because it fixes the floating-point summation order)
 */
public record TrainSettings(String model, int steps, int batch, double lr, int warmup, double lrFloor, double weightDecay,
                            double clipNorm, double emaDecay, double captionDropout, long seed, int threads) {

    public static TrainSettings defaults() {
        return new TrainSettings("standard", 6000, 16, 5e-4, 200, 0.1, 0.01, 1.0, 0.999, 0.1, 20260101L, 2);
    }

    public TrainSettings {
        if (steps < 1) throw new IllegalArgumentException("steps must be ≥ 1, got " + steps);
        if (batch < 1) throw new IllegalArgumentException("batch must be ≥ 1, got " + batch);
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        if (warmup < 0) throw new IllegalArgumentException("warm-up must be ≥ 0, got " + warmup);
        if (!(captionDropout >= 0 && captionDropout <= 1)) throw new IllegalArgumentException("caption dropout must be in [0, 1]");
        if (threads < 1 || threads > 1024) throw new IllegalArgumentException("threads must be in 1..1024, got " + threads);
        ToyModelConfig.named(model);
    }

    public ToyModelConfig architecture() { return ToyModelConfig.named(model); }

    public LearningRate schedule() { return new LearningRate(lr, warmup, steps, lrFloor); }

    public TrainSettings withSteps(int n) {
        return new TrainSettings(model, n, batch, lr, warmup, lrFloor, weightDecay, clipNorm, emaDecay, captionDropout, seed, threads);
    }

    public ObjectNode toJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model", model);
        n.put("steps", steps);
        n.put("batch", batch);
        n.put("lr", lr);
        n.put("warmup", warmup);
        n.put("lr_floor", lrFloor);
        n.put("weight_decay", weightDecay);
        n.put("clip_norm", clipNorm);
        n.put("ema_decay", emaDecay);
        n.put("caption_dropout", captionDropout);
        n.put("seed", seed);
        n.put("threads", threads);
        return n;
    }

    /** Settings as {@link #toJson} wrote them; a missing or mistyped field is an IllegalArgumentException naming it. */
    public static TrainSettings fromJson(JsonNode n) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException("the training settings are missing (expected a JSON object)");
        for (String f : new String[] {"steps", "batch", "lr", "warmup", "lr_floor", "weight_decay", "clip_norm", "ema_decay",
                "caption_dropout", "seed", "threads"})
            if (!n.path(f).isNumber()) throw new IllegalArgumentException("the training settings' '" + f + "' must be a number, got " + n.get(f));
        if (!n.path("model").isTextual()) throw new IllegalArgumentException("the training settings' 'model' must be a string, got " + n.get("model"));
        return new TrainSettings(n.get("model").asText(), n.get("steps").asInt(), n.get("batch").asInt(), n.get("lr").asDouble(),
                n.get("warmup").asInt(), n.get("lr_floor").asDouble(), n.get("weight_decay").asDouble(),
                n.get("clip_norm").asDouble(), n.get("ema_decay").asDouble(), n.get("caption_dropout").asDouble(),
                n.get("seed").asLong(), n.get("threads").asInt());
    }
}
