package zest.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.nn.attention.AttentionContext;
import zest.nn.attention.AttentionHook;
import zest.nn.sd.StableDiffusionModels;
import zest.nn.unet.UNet2DConditionModel;

/**
 * The sd-tiny UNet against diffusers (cases/unet.safetensors): the noise prediction and the 17 recorded attention
 * probability tensors, captured through an {@link AttentionHook}.
 */
class UNetParityTest {
    static final String SELF_LAYER = "down_blocks.1.attentions.0.transformer_blocks.0.attn1";

    static UNet2DConditionModel unet;
    static Map<String, Tensor> ref;
    static Tensor noisePred;
    static AttentionRecorder recorder;

    @BeforeAll
    static void run() {
        unet = StableDiffusionModels.loadUNet(Parity.resource("sd-tiny/unet"), null);
        ref = Parity.sdTinyCase("unet");
        recorder = new AttentionRecorder(c -> c.cross() || c.path().equals(SELF_LAYER));
        try (var ignored = GradMode.noGrad()) {
            noisePred = unet.forward(ref.get("sample"), ref.get("timesteps"), ref.get("encoder_hidden_states"), recorder);
        }
    }

    @Test
    void noisePrediction() {
        Parity.assertClose("unet.noise_pred", noisePred, ref.get("noise_pred"));
    }

    @Test
    void attentionProbabilities() {
        Map<String, Tensor> expected = new TreeMap<>();
        ref.forEach((k, v) -> { if (k.startsWith("attn.")) expected.put(k, v); });
        assertEquals(17, expected.size());
        assertEquals(expected.size(), recorder.entries.size(), "recorded attention calls");
        int i = 0;
        for (var e : expected.entrySet()) {
            AttentionRecorder.Entry got = recorder.entries.get(i++);
            assertEquals(e.getKey().endsWith(".cross"), got.context().cross(), e.getKey() + " kind");
            assertEquals(8, got.context().heads());
            Parity.assertClose(e.getKey() + " " + got.context().path().replace("transformer_blocks.", "tb."), got.probabilities(), e.getValue());
        }
    }

    @Test
    void hookContextDescribesTheCall() {
        AttentionContext first = recorder.entries.getFirst().context();
        assertEquals("down_blocks.0.attentions.0.transformer_blocks.0.attn2", first.path());
        assertEquals(16, first.height());
        assertEquals(16, first.width());
        assertEquals(2, first.batch());
        assertEquals(77, first.keys());
        AttentionContext mid = recorder.entries.stream().filter(e -> e.context().path().startsWith("mid_block")).findFirst().orElseThrow().context();
        assertEquals(2, mid.height());
    }

    @Test
    void zeroBiasAndPlainRunGiveTheSameOutput() {
        // the fused path (no probabilities requested) and the composed path must agree
        AttentionHook zeroBias = new AttentionHook() {
            @Override public Tensor logitBias(AttentionContext c) { return Tensor.zeros(c.batch() * c.heads(), c.queries(), c.keys()); }
        };
        try (var ignored = GradMode.noGrad()) {
            Tensor plain = unet.forward(ref.get("sample"), ref.get("timesteps"), ref.get("encoder_hidden_states"));
            Tensor biased = unet.forward(ref.get("sample"), ref.get("timesteps"), ref.get("encoder_hidden_states"), zeroBias);
            Parity.assertClose("unet fused vs noise_pred", plain, ref.get("noise_pred"));
            // the two paths round differently (fused kernel vs matmul + softmax), so only float-level agreement
            Parity.assertClose("unet zero-bias vs plain", biased, plain, 1e-5);
        }
    }

    @Test
    void logitBiasChangesTheProbabilities() {
        // a large bias on token 5 for every cross-attention call: the recorded probabilities put almost all mass there
        AttentionRecorder rec = new AttentionRecorder(AttentionContext::cross) {
            @Override public Tensor logitBias(AttentionContext c) {
                if (!c.cross()) return null;
                float[] b = new float[c.keys()];
                b[5] = 50f;
                return Tensor.of(b, 1, 1, 1, c.keys());
            }
        };
        try (var ignored = GradMode.noGrad()) {
            unet.forward(ref.get("sample"), ref.get("timesteps"), ref.get("encoder_hidden_states"), rec);
        }
        assertEquals(16, rec.entries.size());
        for (var e : rec.entries) {
            Tensor p = e.probabilities();
            assertArrayEquals(new int[] {2 * 8, e.context().queries(), 77}, p.shape());
            float[] v = p.floats();
            for (int row = 0; row < v.length / 77; row++) assertEquals(1.0, v[row * 77 + 5], 1e-6);
        }
    }

    @Test
    void maxScaledScoreIsOfferedLazily() {
        java.util.List<Double> maxima = new java.util.ArrayList<>();
        AttentionHook reader = new AttentionHook() {
            @Override public Tensor logitBias(AttentionContext c, java.util.function.DoubleSupplier maxScaledScore) {
                if (c.cross()) maxima.add(maxScaledScore.getAsDouble());
                return null;
            }
        };
        try (var ignored = GradMode.noGrad()) {
            Tensor out = unet.forward(ref.get("sample"), ref.get("timesteps"), ref.get("encoder_hidden_states"), reader);
            Parity.assertClose("unet with score reader", out, ref.get("noise_pred"));
        }
        assertEquals(16, maxima.size());
        for (double m : maxima) org.junit.jupiter.api.Assertions.assertTrue(Double.isFinite(m) && m > 0, "max " + m);
    }

    @Test
    void perLayerHookTakesPrecedence() {
        var layer = unet.attentionLayers().stream().filter(a -> a.path().equals(SELF_LAYER)).findFirst().orElseThrow();
        AttentionRecorder own = new AttentionRecorder(c -> true);
        AttentionRecorder global = new AttentionRecorder(c -> true);
        layer.setHook(own);
        try (var ignored = GradMode.noGrad()) {
            unet.forward(ref.get("sample"), ref.get("timesteps"), ref.get("encoder_hidden_states"), global);
        } finally {
            layer.setHook(null);
        }
        assertEquals(List.of(SELF_LAYER), own.entries.stream().map(e -> e.context().path()).toList());
        assertEquals(unet.attentionLayers().size() - 1, global.entries.size());
        Parity.assertClose("attn.02.self via layer hook", own.entries.getFirst().probabilities(), ref.get("attn.02.self"));
    }
}
