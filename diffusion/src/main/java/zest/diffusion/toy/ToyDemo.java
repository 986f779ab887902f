package zest.diffusion.toy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import zest.diffusion.io.HeatMaps;
import zest.diffusion.io.PngFiles;
import zest.diffusion.layout.Layout;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.pipeline.GenerationResult;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.pipeline.StableDiffusionPipeline;
import zest.engine.Tensor;

/**
 * The one-command demonstration of layout guidance on the toy model: a fixed layout (a red circle top left, a blue
 * square bottom right, on gray), generated once without guidance and once with ZestGuide from the same noise, and
 * the per-segment cross-attention maps of both runs, so the effect of the guidance can be seen side by side.
 */
public final class ToyDemo {
    /** Enlargement of the 32 px images for viewing (nearest neighbour, so the pixels stay honest). */
    public static final int ZOOM = 8;

    /** What the demo made: the scene it asked for, both runs and their scores against the layout. */
    public record Outcome(ToyScene scene, GenerationResult unguided, GenerationResult guided, ToyScore unguidedScore,
                          ToyScore guidedScore, double seconds) {}

    private final DiffusionModel model;
    private final int size;

    public ToyDemo(DiffusionModel model) {
        this.model = model;
        this.size = ToyEvaluation.imageSize(model, "the demo");
    }

    /** The demo's layout, scaled to the model's image size. */
    public ToyScene scene() {
        double u = size / 32.0;
        return new ToyWorld(size).compose(ToyBackground.GRAY, List.of(
                new ToyWorld.Placement(ToyKind.CIRCLE, ToyColor.RED, 10 * u, 10 * u, 7 * u),
                new ToyWorld.Placement(ToyKind.SQUARE, ToyColor.BLUE, 22 * u, 22 * u, 7 * u)));
    }

    /** Runs both generations with {@code base}'s knobs (prompt, size and mode are the demo's). */
    public Outcome run(GenerationSettings base) {
        ToyScene scene = scene();
        Layout layout = ToyEvaluation.layoutOf(scene);
        StableDiffusionPipeline pipe = new StableDiffusionPipeline(model).recordMaps(true).onWarning(w -> {});
        GenerationSettings s = new GenerationSettings(scene.caption(), base.negativePrompt(), size, size, base.steps(), base.cfgScale(),
                base.sampler(), base.samplerEta(), base.seed(), 1, GuidanceMode.NONE, base.zestEta(), base.tau(), base.layers(),
                base.lambdaSchedule(), base.pwwWeight());
        long t0 = System.nanoTime();
        GenerationResult plain = pipe.generate(s, layout, (a, b, c) -> {});
        GenerationResult guided = pipe.generate(s.withGuidance(GuidanceMode.ZEST), layout, (a, b, c) -> {});
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Outcome(scene, plain, guided, ToyScore.of(scene, ToyEvaluation.chw(plain.images())),
                ToyScore.of(scene, ToyEvaluation.chw(guided.images())), secs);
    }

    /** The files {@link #write} makes in {@code dir}, for an existence check before any work. */
    public static List<Path> mainFiles(Path dir) {
        return List.of(dir.resolve("overview.png"), dir.resolve("layout.png"), dir.resolve("unguided.png"), dir.resolve("guided.png"));
    }

    /**
     * Writes layout.png, unguided.png, guided.png (enlarged ×{@value #ZOOM}), attention-unguided/ and
     * attention-guided/ (per segment: one heat map per step and their mean), and overview.png: layout, unguided,
     * guided, then the guided run's mean map of each segment, side by side. Every file is written atomically.
     */
    public List<Path> write(Outcome o, Path dir, boolean overwrite) throws IOException {
        int big = size * ZOOM;
        List<Path> files = new ArrayList<>();
        byte[] layoutRgb = zoom(PngFiles.toBytes(hwc(o.scene().image())));
        byte[] plainRgb = zoom(PngFiles.toBytes(o.unguided().images().select(0, 0).contiguous().floats()));
        byte[] guidedRgb = zoom(PngFiles.toBytes(o.guided().images().select(0, 0).contiguous().floats()));
        List<String> texts = ToyEvaluation.layoutOf(o.scene()).texts();
        List<byte[]> panels = new ArrayList<>(List.of(layoutRgb, plainRgb, guidedRgb));
        for (int seg = 0; seg < texts.size(); seg++) panels.add(meanMap(o.guided().segmentMaps(), seg, big));
        List<Path> main = mainFiles(dir);
        write(main.get(0), sideBySide(panels, big), big * panels.size() + GAP * (panels.size() - 1), big, overwrite, files);
        write(main.get(1), layoutRgb, big, big, overwrite, files);
        write(main.get(2), plainRgb, big, big, overwrite, files);
        write(main.get(3), guidedRgb, big, big, overwrite, files);
        files.addAll(HeatMaps.writeSegmentMaps(dir.resolve("attention-unguided"), o.unguided().segmentMaps(), texts, 0, big, big, overwrite));
        files.addAll(HeatMaps.writeSegmentMaps(dir.resolve("attention-guided"), o.guided().segmentMaps(), texts, 0, big, big, overwrite));
        return files;
    }

    private static final int GAP = 8;

    private static void write(Path f, byte[] rgb, int w, int h, boolean overwrite, List<Path> files) throws IOException {
        PngFiles.writeAtomically(f, PngFiles.encodeRgb(rgb, w, h, Map.of()), overwrite);
        files.add(f);
    }

    private byte[] meanMap(List<Tensor> perStep, int seg, int big) {
        if (perStep.isEmpty()) return new byte[big * big * 3];
        return HeatMaps.render(HeatMaps.meanOverSteps(perStep, 0, seg), perStep.get(0).size(2), perStep.get(0).size(3), big, big);
    }

    /** [3, s, s] in [-1, 1] → [s, s, 3] in [0, 1]. */
    private float[] hwc(float[] chw) {
        int n = size * size;
        float[] out = new float[3 * n];
        for (int i = 0; i < n; i++) for (int c = 0; c < 3; c++) out[i * 3 + c] = (chw[c * n + i] + 1f) / 2f;
        return out;
    }

    private byte[] zoom(byte[] rgb) {
        int big = size * ZOOM;
        byte[] out = new byte[big * big * 3];
        for (int y = 0; y < big; y++)
            for (int x = 0; x < big; x++)
                System.arraycopy(rgb, ((y / ZOOM) * size + x / ZOOM) * 3, out, (y * big + x) * 3, 3);
        return out;
    }

    private static byte[] sideBySide(List<byte[]> panels, int big) {
        int w = big * panels.size() + GAP * (panels.size() - 1);
        byte[] out = new byte[w * big * 3];
        java.util.Arrays.fill(out, (byte) 255);
        for (int p = 0; p < panels.size(); p++)
            for (int y = 0; y < big; y++)
                System.arraycopy(panels.get(p), y * big * 3, out, (y * w + p * (big + GAP)) * 3, big * 3);
        return out;
    }
}
