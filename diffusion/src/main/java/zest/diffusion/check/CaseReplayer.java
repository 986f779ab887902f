package zest.diffusion.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.pipeline.StableDiffusionPipeline;
import zest.diffusion.schedulers.DDIMScheduler;
import zest.diffusion.schedulers.EulerDiscreteScheduler;
import zest.diffusion.schedulers.Scheduler;
import zest.diffusion.schedulers.SchedulerConfig;
import zest.diffusion.schedulers.Schedulers;
import zest.diffusion.zestguide.AttentionMaps;
import zest.diffusion.zestguide.ZestGuideLoss;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;
import zest.engine.ops.ShapeOps;
import zest.nn.attention.AttentionContext;
import zest.nn.attention.AttentionHook;
import zest.nn.clip.ClipTextOutput;

/**
 * Replays a reference case file (inputs and expected outputs side by side, settings in its metadata) on a model
 * and returns our outputs under the reference's names. Everything is read from the case, so cases made for other
 * SD-family models (other widths, head layouts, image shapes) replay the same way.
 */
public final class CaseReplayer {
    /** Python's json writes Infinity/NaN (e.g. DPM-Solver's sigma bounds), so accept them. */
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private final DiffusionModel model;

    public CaseReplayer(DiffusionModel model) { this.model = model; }

    public Map<String, Tensor> replay(CaseKind kind, SafetensorsFile c) {
        return switch (kind) {
            case CLIP -> clip(c);
            case UNET -> unet(c);
            case UNET_GRAD -> unetGrad(c);
            case VAE -> vae(c);
            case SCHEDULER -> scheduler(c);
            case PIPELINE -> pipeline(c);
            case ZESTGUIDE -> zestguide(c);
        };
    }

    private Map<String, Tensor> clip(SafetensorsFile c) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var ignored = GradMode.noGrad()) {
            ClipTextOutput o = model.textEncoder().forward(c.tensor("input_ids"));
            out.put("last_hidden_state", o.lastHiddenState());
            out.put("pooler_output", o.poolerOutput());
        }
        return out;
    }

    private Map<String, Tensor> unet(SafetensorsFile c) {
        Map<String, String> wanted = new LinkedHashMap<>(); // module path -> reference key
        JsonNode attention = meta(c, "attention");
        if (attention != null) for (JsonNode a : attention) wanted.put(a.get("module").asText(), a.get("key").asText());
        Map<String, Tensor> out = new LinkedHashMap<>();
        AttentionHook capture = new AttentionHook() {
            @Override public boolean wantsProbabilities(AttentionContext ctx) { return wanted.containsKey(ctx.path()); }

            @Override public void onProbabilities(AttentionContext ctx, Tensor p) { out.put(wanted.get(ctx.path()), p); }
        };
        try (var ignored = GradMode.noGrad()) {
            out.put("noise_pred", model.unet().forward(c.tensor("sample"), c.tensor("timesteps"), c.tensor("encoder_hidden_states"), capture));
        }
        return out;
    }

    private Map<String, Tensor> unetGrad(SafetensorsFile c) {
        Tensor sample = c.tensor("sample").toF32().detach().requiresGrad(true);
        Tensor pred = model.unet().forward(sample, c.tensor("timesteps"), c.tensor("encoder_hidden_states"), null);
        Tensor objective = pred.mul(c.tensor("R").toF32()).sum();
        objective.backward();
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("noise_pred", pred.detach());
        out.put("objective", objective.detach().reshape(1));
        out.put("grad_sample", sample.grad());
        return out;
    }

    private Map<String, Tensor> vae(SafetensorsFile c) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (model.vae() == null) throw new IllegalArgumentException(model.source() + " has no VAE to check");
        try (var ignored = GradMode.noGrad()) {
            if (c.contains("latent"))
                out.put("decoded", model.vae().decode(c.tensor("latent").toF32().div(model.vae().scalingFactor())));
            if (c.contains("image")) {
                var d = model.vae().encode(c.tensor("image"));
                out.put("latent_mean", d.mean());
                out.put("latent_logvar", d.logvar());
                out.put("latent_std", d.std());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- schedulers

    private Map<String, Tensor> scheduler(SafetensorsFile c) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        JsonNode configs = meta(c, "configs");
        if (configs == null) throw new IllegalArgumentException(c.path() + ": scheduler case without 'configs' metadata");
        for (Iterator<Map.Entry<String, JsonNode>> it = configs.fields(); it.hasNext(); ) {
            var e = it.next();
            String p = e.getKey();
            SchedulerConfig config = SchedulerConfig.fromJson(e.getValue());
            Scheduler s = Schedulers.fromConfig(config, null);
            if (s instanceof DDIMScheduler d) {
                put(out, c, p + ".betas", () -> Tensor.of(d.betas(), d.betas().length));
                put(out, c, p + ".alphas_cumprod", () -> Tensor.of(d.alphasCumprod(), d.alphasCumprod().length));
                put(out, c, p + ".final_alpha_cumprod", () -> Tensor.of(new float[] {d.finalAlphaCumprod()}, 1));
                for (int n : new int[] {10, 20, 50}) put(out, c, p + ".timesteps_" + n, () -> timesteps(s, n));
                ddimStep(out, c, p, d, "step", "step");
                ddimStep(out, c, p, d, "step_last", "step_last");
                if (c.contains(p + ".step_eta.prev_sample")) {
                    float eta = c.tensor(p + ".step_eta.eta").item();
                    DDIMScheduler de = new DDIMScheduler(config, eta);
                    ddimStepWith(out, c, p, de, "step", "step_eta", Scheduler.NoiseSource.of(c.tensor(p + ".step_eta.variance_noise").toF32()));
                }
                if (p.equals("ddim_v") || config.predictionType().equals("v_prediction")) {
                    // the v-prediction case reuses the epsilon case's inputs
                    String src = c.contains(p + ".step.model_output") ? p : "ddim";
                    ddimStepFrom(out, c, src, p, d);
                }
            } else {
                sequence(out, c, p, s);
            }
        }
        return out;
    }

    private void ddimStep(Map<String, Tensor> out, SafetensorsFile c, String p, DDIMScheduler d, String inputs, String outputs) {
        ddimStepWith(out, c, p, d, inputs, outputs, null);
    }

    private void ddimStepWith(Map<String, Tensor> out, SafetensorsFile c, String p, DDIMScheduler d, String inputs, String outputs,
                              Scheduler.NoiseSource noise) {
        String in = p + "." + inputs + ".", res = p + "." + outputs + ".";
        if (!c.contains(res + "prev_sample") || !c.contains(p + ".step.model_output")) return;
        int t = (int) (c.contains(res + "timestep") ? c.tensor(res + "timestep") : c.tensor(in + "timestep")).item();
        Scheduler.StepResult r = stepAt(d, t, c.tensor(p + ".step.model_output").toF32(), c.tensor(p + ".step.sample").toF32(), noise);
        out.put(res + "prev_sample", r.prevSample());
        if (c.contains(res + "pred_original_sample")) out.put(res + "pred_original_sample", r.predOriginalSample());
    }

    private void ddimStepFrom(Map<String, Tensor> out, SafetensorsFile c, String inputsPrefix, String p, DDIMScheduler d) {
        if (!c.contains(p + ".step.prev_sample")) return;
        int t = (int) c.tensor(inputsPrefix + ".step.timestep").item();
        Scheduler.StepResult r = stepAt(d, t, c.tensor(inputsPrefix + ".step.model_output").toF32(), c.tensor(inputsPrefix + ".step.sample").toF32(), null);
        out.put(p + ".step.prev_sample", r.prevSample());
        if (c.contains(p + ".step.pred_original_sample")) out.put(p + ".step.pred_original_sample", r.predOriginalSample());
    }

    /** A DDIM step at timestep t: finds a schedule containing t (diffusers' cases use 50 steps) and steps from it. */
    private static Scheduler.StepResult stepAt(DDIMScheduler d, int t, Tensor modelOutput, Tensor sample, Scheduler.NoiseSource noise) {
        for (int n : new int[] {50, 20, 10, 25, 100, 1000}) {
            d.setTimesteps(n);
            int[] ts = d.timesteps();
            for (int i = 0; i < ts.length; i++) if (ts[i] == t) return d.step(modelOutput, i, sample, noise);
        }
        throw new IllegalArgumentException("timestep " + t + " is not on any DDIM schedule tried (10, 20, 25, 50, 100, 1000 steps)");
    }

    /** Multistep samplers: run the recorded model outputs in order from sample_init. */
    private void sequence(Map<String, Tensor> out, SafetensorsFile c, String p, Scheduler s) {
        if (!c.contains(p + ".model_outputs")) return;
        Tensor outputs = c.tensor(p + ".model_outputs").toF32();
        int n = outputs.size(0);
        String tsName = null;
        for (String name : c.names()) if (name.startsWith(p + ".timesteps_")) tsName = name;
        int steps = tsName == null ? n : Integer.parseInt(tsName.substring(tsName.lastIndexOf('_') + 1));
        s.setTimesteps(steps);
        if (tsName != null) out.put(tsName, s instanceof EulerDiscreteScheduler ? Tensor.of(s.modelTimesteps(), s.modelTimesteps().length) : timesteps(s, steps));
        if (s instanceof EulerDiscreteScheduler e) {
            float[] sig = e.sigmas();
            put(out, c, p + ".sigmas_" + steps, () -> Tensor.of(sig, sig.length));
            put(out, c, p + ".init_noise_sigma", () -> Tensor.of(new float[] {e.initNoiseSigma()}, 1));
        }
        Tensor x = c.tensor(p + ".sample_init").toF32();
        List<Tensor> samples = new ArrayList<>(), scaled = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            scaled.add(s.scaleModelInput(x, k).reshape(1, -1));
            x = s.step(outputs.narrow(0, k, 1).reshape(x.shape()), k, x).prevSample();
            samples.add(x.reshape(1, -1));
        }
        int[] shape = c.info(p + ".samples").shape();
        out.put(p + ".samples", ShapeOps.concat(0, samples.toArray(Tensor[]::new)).reshape(shape));
        if (c.contains(p + ".scaled_inputs")) out.put(p + ".scaled_inputs", ShapeOps.concat(0, scaled.toArray(Tensor[]::new)).reshape(shape));
    }

    private static Tensor timesteps(Scheduler s, int n) {
        s.setTimesteps(n);
        int[] t = s.timesteps();
        float[] f = new float[t.length];
        for (int i = 0; i < t.length; i++) f[i] = t[i];
        return Tensor.of(f, f.length);
    }

    private static void put(Map<String, Tensor> out, SafetensorsFile c, String name, java.util.function.Supplier<Tensor> value) {
        if (c.contains(name)) out.put(name, value.get());
    }

    // ---------------------------------------------------------------- pipeline and ZestGuide

    private Map<String, Tensor> pipeline(SafetensorsFile c) {
        JsonNode m = metaObject(c);
        StableDiffusionPipeline pipe = new StableDiffusionPipeline(model);
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var ignored = GradMode.noGrad()) {
            Tensor cond = model.textEncoder().forward(c.tensor("prompt_ids")).lastHiddenState();
            Tensor uncond = model.textEncoder().forward(c.tensor("negative_prompt_ids")).lastHiddenState();
            out.put("prompt_embeds", cond);
            out.put("negative_prompt_embeds", uncond);
        }
        int steps = intMeta(m, "num_inference_steps", c.info("timesteps").shape()[0]);
        int w = intMeta(m, "width", 0), h = intMeta(m, "height", 0);
        float cfg = (float) doubleMeta(m, "guidance_scale", 7.5);
        String scheduler = m != null && m.has("scheduler") ? m.get("scheduler").asText() : null;
        GenerationSettings s = new GenerationSettings(textMeta(m, "prompt"), textMeta(m, "negative_prompt"), w, h, steps, cfg,
                scheduler, (float) doubleMeta(m, "eta", 0), 0L, 1, GuidanceMode.NONE, 0.3f, 0.5f, null, "sqrt", 0.4f);
        List<Tensor> latents = new ArrayList<>();
        var result = pipe.generate(s, null, c.tensor("latents_init").toF32(), (step, total, info) -> latents.add(info.latents().reshape(1, -1)));
        out.put("latents_per_step", ShapeOps.concat(0, latents.toArray(Tensor[]::new)).reshape(c.info("latents_per_step").shape()));
        out.put("latents_final", result.latents());
        out.put("decoded_raw", pipe.decodeRaw(result.latents()));
        out.put("image", result.images());
        return out;
    }

    private Map<String, Tensor> zestguide(SafetensorsFile c) {
        JsonNode m = metaObject(c);
        JsonNode params = m == null ? null : parseMaybe(m.get("params"));
        JsonNode layersMeta = m == null ? null : parseMaybe(m.get("layers"));
        List<String> layers = new ArrayList<>();
        if (layersMeta != null) for (JsonNode l : layersMeta) layers.add(l.get("module").asText());
        float cfg = (float) doubleMeta(m, "guidance_scale", 7.5);
        float eta = params != null && params.has("eta") ? (float) params.get("eta").asDouble() : 1f;
        float gradEps = params != null && params.has("gradnorm_eps") ? (float) params.get("gradnorm_eps").asDouble() : 1e-6f;
        int stepIndex = params != null && params.has("step_index") ? params.get("step_index").asInt() : -1;

        Tensor xT = c.tensor("x_t").toF32();
        int t = (int) c.tensor("timestep").item();
        Tensor cond = c.tensor("prompt_embeds").toF32(), uncond = c.tensor("negative_prompt_embeds").toF32();
        Tensor masks = c.tensor("masks").toF32();
        long[] ti = c.tensor("token_indices").toLongArray();
        int k = masks.size(0), per = ti.length / k;
        int[][] tokens = new int[k][per];
        for (int i = 0; i < k; i++) for (int j = 0; j < per; j++) tokens[i][j] = (int) ti[i * per + j];

        AttentionMaps maps = new AttentionMaps();
        AttentionHook capture = new AttentionHook() {
            @Override public boolean wantsProbabilities(AttentionContext ctx) { return ctx.cross() && layers.contains(ctx.path()); }

            @Override public void onProbabilities(AttentionContext ctx, Tensor p) { maps.add(ctx.path(), p, ctx.height(), ctx.width()); }
        };
        Tensor x = xT.detach().requiresGrad(true);
        Tensor tt = Tensor.full(t, 1);
        Tensor epsCond = model.unet().forward(x, tt, cond, capture);
        Tensor mean = maps.meanMaps(masks.size(1), masks.size(2));
        ZestGuideLoss.Result r = ZestGuideLoss.compute(mean, masks, tokens);
        r.loss().backward();
        Tensor grad = x.grad();

        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("attn_maps_mean", mean.detach());
        out.put("S_hat", r.sHat().detach());
        out.put("loss_terms", r.lossTerms());
        out.put("loss", r.loss().detach().reshape(1));
        out.put("grad_x_t", grad);
        out.put("noise_pred_cond", epsCond.detach());
        try (var ignored = GradMode.noGrad()) {
            Tensor epsUncond = model.unet().forward(xT, tt, uncond, null);
            Tensor eps = epsUncond.add(epsCond.detach().sub(epsUncond).mul(cfg));
            out.put("noise_pred_uncond", epsUncond);
            out.put("noise_pred_cfg", eps);
            Scheduler s = Schedulers.fromConfig(model.schedulerConfig(), "ddim");
            int index = scheduleIndexOf(s, t, stepIndex);
            Tensor xPrev = s.step(eps, index, xT).prevSample();
            float lambda = (float) Math.sqrt(1 - s.alphaCumprod(t));
            out.put("x_prev", xPrev);
            out.put("lambda_t", Tensor.of(new float[] {lambda}, 1));
            float maxAbs = zest.engine.ops.Reductions.max(grad.abs()).item();
            out.put("x_prev_guided", xPrev.sub(grad.mul(eta * lambda / (maxAbs + gradEps))));
        }
        return out;
    }

    /** Sets a schedule on which timestep t sits at stepIndex (or anywhere, if stepIndex < 0) and returns its index. */
    private static int scheduleIndexOf(Scheduler s, int t, int stepIndex) {
        for (int n = 1; n <= 1000; n++) {
            s.setTimesteps(n);
            int[] ts = s.timesteps();
            if (stepIndex >= 0 && stepIndex < ts.length && ts[stepIndex] == t) return stepIndex;
            if (stepIndex < 0) for (int i = 0; i < ts.length; i++) if (ts[i] == t) return i;
        }
        throw new IllegalArgumentException("timestep " + t + " is not on any schedule of this model's scheduler");
    }

    // ---------------------------------------------------------------- metadata

    private static JsonNode metaObject(SafetensorsFile c) {
        Map<String, String> md = c.metadata();
        if (md == null || md.isEmpty()) return null;
        var node = JSON.createObjectNode();
        for (var e : md.entrySet()) {
            JsonNode v = parseMaybe(JSON.getNodeFactory().textNode(e.getValue()));
            node.set(e.getKey(), v);
        }
        return node;
    }

    private static JsonNode meta(SafetensorsFile c, String key) {
        JsonNode m = metaObject(c);
        return m == null ? null : m.get(key);
    }

    /** Metadata values are strings; those holding JSON are parsed. */
    private static JsonNode parseMaybe(JsonNode n) {
        if (n == null || !n.isTextual()) return n;
        String s = n.asText().strip();
        if (s.startsWith("{") || s.startsWith("[")) {
            try {
                return JSON.readTree(s);
            } catch (Exception e) {
                return n;
            }
        }
        return n;
    }

    private static String textMeta(JsonNode m, String key) {
        return m != null && m.has(key) ? m.get(key).asText() : "";
    }

    private static int intMeta(JsonNode m, String key, int fallback) {
        if (m == null || !m.has(key)) return fallback;
        return (int) Double.parseDouble(m.get(key).asText());
    }

    private static double doubleMeta(JsonNode m, String key, double fallback) {
        if (m == null || !m.has(key)) return fallback;
        return Double.parseDouble(m.get(key).asText());
    }
}
