package zest.diffusion.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Reads layouts: (a) a color-coded PNG plus a JSON object mapping colors ("#rrggbb") to texts — a color mapped to
 * null or "" is unguided background; or (b) one mask PNG per segment ("mask.png=text"; white = inside).
 * Colors within a small distance of a labelled color (anti-aliased edges) snap to it; any other color is an error.
 */
public final class LayoutReader {
    /** Largest per-channel difference at which a pixel still counts as a labelled color. */
    static final int COLOR_TOLERANCE = 24;
    private static final long MAX_PIXELS = 4096L * 4096L;
    private static final long MAX_LABELS_BYTES = 1 << 20;
    /** Colors a labels file may list: every pixel is compared with each of them. */
    static final int MAX_LABELS = 256;

    private LayoutReader() {}

    public static Layout fromColorMap(Path png, Path labelsJson) {
        Map<Integer, String> labels = readLabels(labelsJson);
        BufferedImage img = readPng(png);
        int w = img.getWidth(), h = img.getHeight();
        List<Integer> colors = new ArrayList<>(labels.keySet());
        long guided = labels.values().stream().filter(t -> t != null && !t.isBlank()).count();
        Layout.checkMaskBudget(png.toString(), guided, w, h);
        // the nearest labelled color of every pixel; masks are made for the guided colors only
        int[] nearestOf = new int[w * h];
        Map<Integer, Integer> unknown = new LinkedHashMap<>();
        int lastRgb = -1, lastBest = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                int best = rgb == lastRgb ? lastBest : nearest(colors, rgb);
                lastRgb = rgb;
                lastBest = best;
                if (best < 0) unknown.merge(rgb, 1, Integer::sum);
                nearestOf[y * w + x] = best;
            }
        }
        if (!unknown.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            unknown.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(5)
                    .forEach(e -> sb.append(String.format(" #%06x (%d px)", e.getKey(), e.getValue())));
            throw new LayoutException(png + ": colors not in " + labelsJson + ":" + sb
                    + (unknown.size() > 5 ? " and " + (unknown.size() - 5) + " more" : "")
                    + " — add them to the labels (map a color to \"\" for unguided background)");
        }
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < colors.size(); i++) {
            String text = labels.get(colors.get(i));
            if (text == null || text.isBlank()) continue;
            float[] mask = new float[w * h];
            boolean any = false;
            for (int p = 0; p < mask.length; p++) if (nearestOf[p] == i) { mask[p] = 1f; any = true; }
            if (!any)
                throw new LayoutException(png + ": the color " + String.format("#%06x", colors.get(i)) + " of '" + text
                        + "' is not painted anywhere (empty mask)");
            segments.add(new Segment(text, mask, w, h));
        }
        if (segments.isEmpty()) throw new LayoutException(labelsJson + ": no color is mapped to a text");
        return new Layout(w, h, segments);
    }

    /** Parses "mask.png=text" specs; all masks must share one size. */
    public static Layout fromSegmentFiles(List<String> specs) {
        List<Segment> segments = new ArrayList<>();
        int w = -1, h = -1;
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1)
                throw new LayoutException("segment '" + spec + "' should be MASK.png=text");
            Path file = Path.of(spec.substring(0, eq));
            String text = spec.substring(eq + 1).strip();
            BufferedImage img = readPng(file);
            if (w < 0) {
                w = img.getWidth();
                h = img.getHeight();
                Layout.checkMaskBudget(file.toString(), specs.size(), w, h);
            }
            else if (img.getWidth() != w || img.getHeight() != h)
                throw new LayoutException(file + " is " + img.getWidth() + "x" + img.getHeight() + " but the first mask is " + w + "x" + h);
            float[] mask = new float[w * h];
            boolean any = false;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y);
                    int alpha = argb >>> 24;
                    int lum = ((argb >> 16 & 255) + (argb >> 8 & 255) + (argb & 255)) / 3;
                    float v = lum >= 128 && alpha >= 128 ? 1f : 0f;
                    mask[y * w + x] = v;
                    any |= v > 0;
                }
            }
            if (!any) throw new LayoutException(file + ": the mask of '" + text + "' is empty (no white pixel)");
            segments.add(new Segment(text, mask, w, h));
        }
        if (segments.isEmpty()) throw new LayoutException("no segments given");
        return new Layout(w, h, segments);
    }

    private static int nearest(List<Integer> colors, int rgb) {
        int best = -1, bestD = Integer.MAX_VALUE;
        for (int i = 0; i < colors.size(); i++) {
            int c = colors.get(i);
            int d = Math.max(Math.abs((c >> 16 & 255) - (rgb >> 16 & 255)),
                    Math.max(Math.abs((c >> 8 & 255) - (rgb >> 8 & 255)), Math.abs((c & 255) - (rgb & 255))));
            if (d < bestD) { bestD = d; best = i; }
        }
        return bestD <= COLOR_TOLERANCE ? best : -1;
    }

    static Map<Integer, String> readLabels(Path file) {
        JsonNode root;
        try {
            if (Files.size(file) > MAX_LABELS_BYTES) throw new LayoutException(file + ": labels file larger than 1 MB");
            // a key written twice would otherwise silently keep the last text
            root = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .readTree(file.toFile());
        } catch (IOException e) {
            throw new LayoutException(file + ": cannot read labels JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject())
            throw new LayoutException(file + ": labels must be a JSON object {\"#rrggbb\": \"text\", ...}");
        Map<Integer, String> out = new LinkedHashMap<>();
        if (root.size() > MAX_LABELS)
            throw new LayoutException(file + ": " + root.size() + " colors are labelled; at most " + MAX_LABELS + " are supported");
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            int color = parseColor(file, e.getKey());
            JsonNode v = e.getValue();
            if (!v.isNull() && !v.isTextual())
                throw new LayoutException(file + ": the text of " + e.getKey() + " must be a string");
            if (out.containsKey(color)) throw new LayoutException(file + ": color " + e.getKey() + " listed twice");
            out.put(color, v.isNull() ? "" : v.asText());
        }
        if (out.isEmpty()) throw new LayoutException(file + ": no labels");
        return out;
    }

    static int parseColor(Path file, String s) {
        String hex = s.startsWith("#") ? s.substring(1) : s;
        if (!hex.matches("[0-9a-fA-F]{6}"))
            throw new LayoutException(file + ": '" + s + "' is not a color; use \"#rrggbb\"");
        return Integer.parseInt(hex, 16);
    }

    static BufferedImage readPng(Path file) {
        if (!Files.isRegularFile(file)) throw new LayoutException(file + ": no such file");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] sig = in.readNBytes(8);
            if (sig.length < 8 || (sig[0] & 255) != 0x89 || sig[1] != 'P' || sig[2] != 'N' || sig[3] != 'G')
                throw new LayoutException(file + ": not a PNG file");
        } catch (IOException e) {
            throw new LayoutException(file + ": cannot read: " + e.getMessage(), e);
        }
        // read the size from the header first, so a hostile header cannot make us allocate a huge raster
        try (var stream = ImageIO.createImageInputStream(file.toFile())) {
            var readers = ImageIO.getImageReaders(stream);
            if (!readers.hasNext()) throw new LayoutException(file + ": not a readable PNG");
            var reader = readers.next();
            try {
                reader.setInput(stream, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w * h > MAX_PIXELS)
                    throw new LayoutException(file + ": " + w + "x" + h + " is larger than 4096x4096");
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof LayoutException le) throw le;
            throw new LayoutException(file + ": broken PNG: " + e.getMessage(), e);
        }
    }
}
