package zest.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zest.diffusion.layout.Layout;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.pipeline.GenerationResult;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.pipeline.ProgressListener;
import zest.diffusion.pipeline.StableDiffusionPipeline;
import zest.diffusion.zestguide.AttentionCapture;
import zest.diffusion.zestguide.LayerSelection;
import zest.diffusion.zestguide.ZestGuideLoss;
import zest.engine.Tensor;
import zest.engine.autograd.Node;
import zest.engine.random.TorchGenerator;
import zest.nn.unet.UNet2DConditionModel;

/**
 * Gradient checkpointing in the guided step (sd-tiny) must change nothing but memory: ∂L/∂x_t and the guided
 * x_{t−1} are bit for bit those of the plain graph, for the default layers (whole transformers checkpointed around
 * the read ones) and for one read layer deep in the network.
 */
class GradientCheckpointingTest {
    static DiffusionModel model;
    static Layout layout;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(CheckCasesTest.resource("model_index.json").getParent(), null);
        layout = PipelineTest.twoSegments();
        PipelineTest.warmUp(model, layout); // compare only JIT-compiled kernels' bits (see PipelineTest.warmUp)
    }

    /** ∂L/∂x_t of the ZestGuide loss of the given layers, and how many checkpoint nodes its graph holds. */
    private record Gradient(float[] grad, float[] eps, int checkpointNodes) {}

    /** minCells: checkpoint the segments on grids of at least this many cells (sd-tiny's latent is 16×16). */
    private static Gradient gradient(String layers, int minCells) {
        UNet2DConditionModel unet = model.unet();
        unet.setGradientCheckpointing(minCells);
        try {
            Tensor cond = new StableDiffusionPipeline(model).encodePrompt(PipelineTest.PROMPT);
            Tensor masks = Tensor.of(layout.masksAt(16, 16), 2, 16, 16);
            Tensor x = new TorchGenerator(5).randn(1, 4, 16, 16).requiresGrad(true);
            AttentionCapture cap = new AttentionCapture(LayerSelection.parse(layers), PipelineTest.SIZE, 0);
            Tensor eps;
            try (cap) {
                eps = unet.forward(x, Tensor.full(701f, 1), cond, cap);
            }
            Tensor loss = ZestGuideLoss.compute(cap.mapsOf(0).meanMaps(16, 16), masks, new int[][] {{2, 3}, {6, 7}}).loss();
            int nodes = countOps(eps, "checkpoint") + countOps(loss, "checkpoint");
            loss.backward();
            return new Gradient(x.grad().contiguous().toFloatArray(), eps.detach().toFloatArray(), nodes);
        } finally {
            unet.setGradientCheckpointing(zest.nn.CheckpointPolicy.OFF);
        }
    }

    /** Recorded nodes named {@code op} in the graph behind {@code root} (each tensor counted once). */
    private static int countOps(Tensor root, String op) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Tensor> todo = new ArrayDeque<>(List.of(root));
        int n = 0;
        while (!todo.isEmpty()) {
            Tensor t = todo.pop();
            Node node = t.gradNode();
            if (node == null || !seen.add(t)) continue;
            if (node.op().equals(op)) n++;
            for (Tensor in : node.inputs()) if (in != null) todo.push(in);
        }
        return n;
    }

    @Test
    void guidedGradientIsBitIdenticalWithCheckpointing() {
        for (String layers : new String[] {LayerSelection.DEFAULT, "up32"}) {
            Gradient plain = gradient(layers, zest.nn.CheckpointPolicy.OFF), checkpointed = gradient(layers, 0);
            // only the 16×16 level, as the default minimum (32×32) spares the lower levels of a 512 px latent
            Gradient topLevel = gradient(layers, 16 * 16);
            assertEquals(0, plain.checkpointNodes(), "checkpointing off records no checkpoint node");
            assertTrue(checkpointed.checkpointNodes() > 0, "checkpointing on records checkpoint nodes (" + layers + ")");
            assertTrue(topLevel.checkpointNodes() > 0 && topLevel.checkpointNodes() < checkpointed.checkpointNodes(),
                    "a minimum grid size spares the lower levels (" + topLevel.checkpointNodes() + " of " + checkpointed.checkpointNodes() + " nodes)");
            for (Gradient g : List.of(checkpointed, topLevel)) {
                assertArrayEquals(plain.eps(), g.eps(), "ε (" + layers + ")");
                assertArrayEquals(plain.grad(), g.grad(), "∂L/∂x_t (" + layers + ")");
            }
        }
    }

    @Test
    void guidedLatentsAreBitIdenticalWithCheckpointing() {
        GenerationSettings s = new GenerationSettings(PipelineTest.PROMPT, "", PipelineTest.SIZE, PipelineTest.SIZE, 4, 7.5f,
                "ddim", 0f, 1234L, 1, GuidanceMode.ZEST, GenerationSettings.DEFAULT_ZEST_ETA, 1f, LayerSelection.DEFAULT,
                "sqrt", GenerationSettings.DEFAULT_PWW_WEIGHT);
        List<float[]> plain = new ArrayList<>(), checkpointed = new ArrayList<>();
        GenerationResult a = generate(s, false, plain), b = generate(s, true, checkpointed);
        assertEquals(4, plain.size());
        for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), checkpointed.get(i), "guided x_{t−1} after step " + (i + 1));
        assertEquals(a.losses(), b.losses());
        assertArrayEquals(a.latents().toFloatArray(), b.latents().toFloatArray());
    }

    private static GenerationResult generate(GenerationSettings s, boolean checkpointing, List<float[]> latents) {
        ProgressListener steps = new ProgressListener() {
            @Override public void onStep(int step, int total, zest.diffusion.pipeline.StepInfo info) {
                latents.add(info.latents().contiguous().toFloatArray());
            }
        };
        return new StableDiffusionPipeline(model).onWarning(w -> { }).gradientCheckpointing(checkpointing ? 0 : zest.nn.CheckpointPolicy.OFF).generate(s, layout, steps);
    }
}
