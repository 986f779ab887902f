package zest.diffusion.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import zest.engine.Tensor;

/**
 * Attention maps as heat-map PNGs: each map scaled by its own maximum, coloured black → purple → orange → yellow
 * (an inferno-like ramp) and enlarged by nearest neighbour to the image size, so a map lines up with the image.
 */
public final class HeatMaps {
    private HeatMaps() {}

    /** RGB bytes of one map [h, w] rendered at outW × outH. */
    public static byte[] render(float[] map, int h, int w, int outW, int outH) {
        float max = 0;
        for (float v : map) max = Math.max(max, v);
        float scale = max > 0 ? 1f / max : 0f;
        byte[] rgb = new byte[outW * outH * 3];
        for (int y = 0; y < outH; y++) {
            int sy = Math.min(h - 1, y * h / outH);
            for (int x = 0; x < outW; x++) {
                int sx = Math.min(w - 1, x * w / outW);
                int c = ramp(map[sy * w + sx] * scale);
                int o = (y * outW + x) * 3;
                rgb[o] = (byte) (c >> 16);
                rgb[o + 1] = (byte) (c >> 8);
                rgb[o + 2] = (byte) c;
            }
        }
        return rgb;
    }

    /** Writes, per segment, one PNG per recorded step and the mean over steps; returns the files written. */
    public static List<Path> writeSegmentMaps(Path dir, List<Tensor> perStep, List<String> texts, int image, int outW, int outH,
                                             boolean overwrite) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        if (perStep.isEmpty()) return written;
        int k = perStep.get(0).size(1), h = perStep.get(0).size(2), w = perStep.get(0).size(3);
        for (int seg = 0; seg < k; seg++) {
            String base = String.format("seg%d_%s", seg, slug(seg < texts.size() ? texts.get(seg) : "segment"));
            for (int step = 0; step < perStep.size(); step++) {
                float[] m = map(perStep.get(step), image, seg);
                Path f = dir.resolve(String.format("%s_step%02d.png", base, step));
                PngFiles.writeAtomically(f, PngFiles.encodeRgb(render(m, h, w, outW, outH), outW, outH, Map.of()), overwrite);
                written.add(f);
            }
            Path f = dir.resolve(base + "_mean.png");
            PngFiles.writeAtomically(f, PngFiles.encodeRgb(render(meanOverSteps(perStep, image, seg), h, w, outW, outH), outW, outH, Map.of()), overwrite);
            written.add(f);
        }
        return written;
    }

    /** Heat maps already in {@code dir} (or its per-image subfolders) that a new run would replace. */
    public static List<Path> existingMaps(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.walk(dir, 2)) {
            return s.filter(p -> p.getFileName().toString().matches("seg\\d+_.*\\.png") && Files.isRegularFile(p)).sorted().toList();
        }
    }

    /** Segment {@code seg}'s map of image {@code image}, averaged over the recorded steps ([B, K, h, w] each). */
    public static float[] meanOverSteps(List<Tensor> perStep, int image, int seg) {
        float[] mean = null;
        for (Tensor t : perStep) {
            float[] m = map(t, image, seg);
            if (mean == null) mean = new float[m.length];
            for (int i = 0; i < m.length; i++) mean[i] += m[i] / perStep.size();
        }
        return mean == null ? new float[0] : mean;
    }

    private static float[] map(Tensor step, int image, int seg) {
        return step.select(0, image).select(0, seg).contiguous().toFloatArray();
    }

    static String slug(String text) {
        String s = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return s.isEmpty() ? "segment" : s.substring(0, Math.min(s.length(), 40));
    }

    /** v in [0,1] → 0xRRGGBB along black, purple, orange, yellow. */
    static int ramp(float v) {
        float t = Math.min(1f, Math.max(0f, v));
        float[][] stops = {{0, 0, 4}, {87, 16, 110}, {188, 55, 84}, {249, 142, 9}, {252, 255, 164}};
        float pos = t * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) pos);
        float f = pos - i;
        int r = Math.round(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]));
        int g = Math.round(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]));
        int b = Math.round(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]));
        return r << 16 | g << 8 | b;
    }
}
