package zest.diffusion.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.diffusion.layout.Layout;
import zest.diffusion.layout.Segment;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.pipeline.GenerationResult;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.pipeline.StableDiffusionPipeline;
import zest.engine.DType;

/** The exported toy model loads as a diffusers folder without VAE and runs the SD pipeline, ZestGuide included. */
class ToyPipelineTest {
    @Test
    void exportedModelRunsTheSdPathInPixelSpace(@TempDir Path dir) {
        Trainer t = new Trainer(TrainerTest.tiny(1, 1e-3));
        t.trainStep();
        ToyModelExport.write(t, dir);
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer/vocab.json")));

        DiffusionModel m = ModelLoader.load(dir, null);
        assertNull(m.vae());
        assertEquals(1, m.downscale());
        assertEquals(3, m.latentChannels());
        assertEquals(DType.F16, m.unet().namedParameters().get("conv_in.weight").value().dtype());

        int size = 16;
        ToyScene scene = new ToyWorld(size).heldOutScene(0);
        ToyObject o = scene.objects().getFirst();
        float[] mask = new float[size * size];
        for (int i = 0; i < mask.length; i++) mask[i] = o.mask()[i] ? 1f : 0f;
        Layout layout = new Layout(size, size, List.of(new Segment(o.phrase(), mask, size, size)));
        GenerationSettings s = GenerationSettings.defaults(scene.caption()).withSize(size, size).withSteps(4)
                .withGuidance(GuidanceMode.ZEST);
        GenerationResult r = new StableDiffusionPipeline(m).onWarning(w -> {}).generate(s, layout, (step, total, info) -> {});
        assertArrayEquals(new int[] {1, size, size, 3}, r.images().shape());
        assertEquals(2, r.losses().size(), "τ = 0.5 of 4 steps guided: the default layers exist in the toy UNet");
        for (float v : r.images().floats()) assertTrue(v >= 0 && v <= 1);
    }
}
