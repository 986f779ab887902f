package zest.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.engine.DType;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.io.Safetensors;
import zest.nn.ConfigException;
import zest.nn.JsonConfig;
import zest.nn.WeightsException;
import zest.nn.sd.StableDiffusionModels;
import zest.nn.unet.UNet2DConditionModel;
import zest.nn.unet.UNetConfig;

/** UNet options beyond the sd-tiny fixture: fp16 weights, non-square and odd latent sizes, SD 2.x settings, loader errors. */
class UNetVariantsTest {
    static UNet2DConditionModel unet;
    static Map<String, Tensor> ref;

    @BeforeAll
    static void load() {
        unet = StableDiffusionModels.loadUNet(Parity.resource("sd-tiny/unet"), null);
        ref = Parity.sdTinyCase("unet");
    }

    @Test
    void fp16VariantStaysHalfPrecisionAndMatches(@TempDir Path dir) throws IOException {
        // the sd-tiny weights are float16-representable, so the F16 copy must give the F32 result
        Files.copy(Parity.resource("sd-tiny/unet/config.json"), dir.resolve("config.json"));
        Safetensors.write(dir.resolve("diffusion_pytorch_model.fp16.safetensors"), unet.stateDict(), Map.of("format", "pt"), DType.F16);
        UNet2DConditionModel half = StableDiffusionModels.loadUNet(dir, "fp16");
        assertEquals(DType.F16, half.convIn.weight.value().dtype());
        assertEquals(DType.F16, half.downBlocks.get(0).attentions.get(0).transformerBlocks.get(0).attn2.toK.weight.value().dtype());
        try (var ignored = GradMode.noGrad()) {
            Tensor out = half.forward(ref.get("sample"), ref.get("timesteps"), ref.get("encoder_hidden_states"));
            Parity.assertClose("unet fp16 weights", out, ref.get("noise_pred"));
        }
    }

    @Test
    void nonSquareAndOddLatents() {
        Tensor ctx = ref.get("encoder_hidden_states").narrow(0, 0, 1);
        try (var ignored = GradMode.noGrad()) {
            // 16 x 24 halves cleanly; 20 x 12 gives 10x6, 5x3, 3x2 on the way down, and the decoder upsamples to the
            // skip sizes (diffusers' forward_upsample_size path)
            for (int[] hw : new int[][] {{16, 24}, {20, 12}, {8, 40}}) {
                Tensor x = Tensor.full(0.1f, 1, 4, hw[0], hw[1]);
                Tensor out = unet.forward(x, Tensor.of(new float[] {500}, 1), ctx);
                assertArrayEquals(new int[] {1, 4, hw[0], hw[1]}, out.shape());
                for (float v : out.floats()) assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void scalarTimestepIsSharedByTheBatch() {
        try (var ignored = GradMode.noGrad()) {
            Tensor both = unet.forward(ref.get("sample"), Tensor.scalar(981f), ref.get("encoder_hidden_states"));
            Tensor first = ref.get("sample").narrow(0, 0, 1);
            Tensor one = unet.forward(first, Tensor.of(new float[] {981}, 1), ref.get("encoder_hidden_states").narrow(0, 0, 1));
            Parity.assertClose("unet scalar timestep [0]", both.narrow(0, 0, 1), ref.get("noise_pred").narrow(0, 0, 1));
            Parity.assertClose("unet batch 1 vs batch 2", one, both.narrow(0, 0, 1), 1e-5);
        }
    }

    @Test
    void attentionProbabilitiesAreDifferentiable() {
        Tensor sample = ref.get("sample").narrow(0, 0, 1).contiguous().detach().requiresGrad(true);
        AttentionRecorder rec = new AttentionRecorder(c -> c.cross() && c.path().startsWith("up_blocks.1"));
        unet.forward(sample, Tensor.of(new float[] {701}, 1), ref.get("encoder_hidden_states").narrow(0, 0, 1), rec);
        assertEquals(3, rec.entries.size());
        Tensor loss = rec.entries.get(0).probabilities().narrow(2, 2, 1).sum();
        assertTrue(loss.requiresGrad());
        loss.backward();
        double norm = 0;
        for (float g : sample.grad().floats()) norm += g * g;
        assertTrue(norm > 0, "the loss on the attention maps reaches the UNet input");
    }

    @Test
    void sd2StyleOptions() {
        String json = """
                {"block_out_channels": [32, 64, 64, 64], "attention_head_dim": [2, 4, 4, 8], "norm_num_groups": 8,
                 "cross_attention_dim": 48, "use_linear_projection": true, "upcast_attention": true,
                 "transformer_layers_per_block": [1, 2, 1, 1], "layers_per_block": 1}""";
        UNet2DConditionModel m = new UNet2DConditionModel(UNetConfig.fromJson(JsonConfig.parse("sd2-tiny", json)));
        var params = m.namedParameters();
        assertArrayEquals(new int[] {32, 32}, params.get("down_blocks.0.attentions.0.proj_in.weight").shape());
        assertArrayEquals(new int[] {64, 48}, params.get("down_blocks.1.attentions.0.transformer_blocks.1.attn2.to_k.weight").shape());
        assertTrue(params.containsKey("up_blocks.2.attentions.1.transformer_blocks.1.ff.net.2.weight"), "up blocks take the reversed layer counts");
        assertEquals(4, m.downBlocks.get(1).attentions.get(0).transformerBlocks.get(0).attn1.heads);
        assertEquals(16, m.downBlocks.get(1).attentions.get(0).transformerBlocks.get(0).attn1.dimHead);
        m.initialize(new SplittableRandom(7));
        AttentionRecorder rec = new AttentionRecorder(c -> c.cross());
        try (var ignored = GradMode.noGrad()) {
            Tensor out = m.forward(Tensor.full(0.5f, 1, 4, 16, 8), Tensor.scalar(10), Tensor.full(0.1f, 1, 77, 48), rec);
            assertArrayEquals(new int[] {1, 4, 16, 8}, out.shape());
        }
        assertEquals(2, rec.entries.getFirst().context().heads());
        assertEquals(8, rec.entries.getFirst().context().width());
    }

    @Test
    void sd21ParameterCount() {
        // stabilityai/stable-diffusion-2-1 unet/config.json (differences from SD 1.5 only)
        String json = """
                {"attention_head_dim": [5, 10, 20, 20], "cross_attention_dim": 1024, "use_linear_projection": true,
                 "upcast_attention": true, "sample_size": 96}""";
        UNet2DConditionModel m = new UNet2DConditionModel(UNetConfig.fromJson(JsonConfig.parse("sd21", json)));
        assertEquals(865_910_724L, m.parameterCount());
    }

    @Test
    void missingFilesAreNamed(@TempDir Path dir) throws IOException {
        var e = assertThrows(ConfigException.class, () -> StableDiffusionModels.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("model_index.json").toString()), e.getMessage());
        Files.createDirectories(dir.resolve("unet"));
        Files.copy(Parity.resource("sd-tiny/unet/config.json"), dir.resolve("unet/config.json"));
        var w = assertThrows(WeightsException.class, () -> StableDiffusionModels.loadUNet(dir.resolve("unet"), null));
        assertTrue(w.getMessage().contains(dir.resolve("unet/diffusion_pytorch_model.safetensors").toString()), w.getMessage());
        var c = assertThrows(ConfigException.class, () -> StableDiffusionModels.loadVae(dir.resolve("vae"), null));
        assertTrue(c.getMessage().contains(dir.resolve("vae/config.json").toString()), c.getMessage());
    }

    @Test
    void wholeFolderLoads() {
        StableDiffusionModels m = StableDiffusionModels.load(Parity.resource("sd-tiny"));
        assertEquals(0.18215f, m.vae().scalingFactor());
        assertTrue(Files.isRegularFile(m.tokenizerDir().resolve("vocab.json")));
        assertTrue(Files.isRegularFile(m.schedulerConfig()));
        assertEquals(32, m.textEncoder().config.hiddenSize());
    }
}
