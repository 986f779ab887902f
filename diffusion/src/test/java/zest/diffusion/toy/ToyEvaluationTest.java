package zest.diffusion.toy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;

class ToyEvaluationTest {
    private final ToyWorld world = new ToyWorld(32);

    @Test
    void aPerfectRenderScoresOne() {
        for (long i = 0; i < 30; i++) {
            ToyScene s = world.heldOutScene(i);
            ToyScore sc = ToyScore.of(s, s.image());
            assertEquals(1.0, sc.meanIou(), 1e-12, s.caption());
            assertTrue(sc.present().stream().allMatch(b -> b));
            assertTrue(sc.exactColors());
        }
    }

    @Test
    void aBlankImageScoresZero() {
        ToyScene s = world.heldOutScene(3);
        float[] gray = new float[s.image().length];
        ToyScore sc = ToyScore.of(s, gray);
        assertEquals(0.0, sc.meanIou());
        assertFalse(sc.present().getFirst());
        assertFalse(sc.exactColors());
    }

    @Test
    void anExtraColorBreaksCaptionConsistency() {
        ToyScene s = world.heldOutScene(5);
        float[] img = s.image().clone();
        ToyColor unused = Arrays.stream(ToyColor.values())
                .filter(c -> s.objects().stream().noneMatch(o -> o.color() == c)).findFirst().orElseThrow();
        int n = 32 * 32;
        for (int i = 0; i < 10; i++) {
            if (s.objects().stream().anyMatch(o -> o.mask()[0])) break;
        }
        for (int i = 0; i < 8; i++) { // paint 8 pixels of the unused color in a corner row
            img[i] = unused.r / 127.5f - 1;
            img[n + i] = unused.g / 127.5f - 1;
            img[2 * n + i] = unused.b / 127.5f - 1;
        }
        assertFalse(ToyScore.of(s, img).exactColors());
    }

    @Test
    void evaluatesEveryModeOnATinyModel(@TempDir Path dir) {
        Trainer t = new Trainer(TrainerTest.tiny(1, 1e-3));
        t.trainStep();
        ToyModelExport.write(t, dir);
        ToyEvaluation eval = new ToyEvaluation(ModelLoader.load(dir, null));
        GenerationSettings base = GenerationSettings.defaults("").withSteps(2);
        List<GuidanceMode> modes = List.of(GuidanceMode.values());
        Map<GuidanceMode, ToyEvaluation.ModeResult> r = eval.run(2, modes, base, 0);
        assertEquals(modes, List.copyOf(r.keySet()));
        for (ToyEvaluation.ModeResult m : r.values()) {
            assertEquals(2, m.scores().size());
            assertTrue(m.mIoU() >= 0 && m.mIoU() <= 1 && m.objectRecall() >= 0 && m.objectRecall() <= 1, m.toString());
            assertTrue(m.secondsPerImage() > 0);
        }
    }

    @Test
    void setMeanIouSumsIntersectionsAndUnionsPerClassBeforeAveraging() {
        ToyScore a = new ToyScore(List.of(0.5, 1.0), List.of(5, 3), List.of(10, 3), List.of(ToyColor.RED, ToyColor.BLUE),
                List.of(true, true), true);
        ToyScore b = new ToyScore(List.of(0.0), List.of(0), List.of(10), List.of(ToyColor.RED), List.of(false), false);
        // red: 5 / 20 over the set, blue: 3 / 3; averaged over the two classes present (not over the three objects)
        assertEquals((0.25 + 1.0) / 2, ToyScore.setMeanIou(List.of(a, b)), 1e-12);
        assertEquals(0.0, ToyScore.setMeanIou(List.of()));
    }
}
