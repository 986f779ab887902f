package zest.diffusion.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import zest.diffusion.layout.Layout;
import zest.diffusion.layout.LayoutException;
import zest.diffusion.layout.LayoutReader;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.schedulers.Schedulers;

/**
 * A generation request from the page, validated: the settings (checked by {@link GenerationSettings} itself plus
 * the server's limits) and the painted layout (a color-coded PNG read by {@link LayoutReader}'s rules, with a
 * segment list mapping colors to texts; white and unlisted-but-background colors are unguided).
 *
 * <pre>{"prompt": "...", "negative_prompt": "", "width": 512, "height": 512, "steps": 30, "cfg": 7.5,
 *  "sampler": "ddim", "sampler_eta": 0, "seed": 1, "guidance": "zest", "eta": 0.3, "tau": 0.5,
 *  "layers": "down16,up16,up32", "lambda": "sqrt", "pww_weight": 0.4,
 *  "layout_png": "data:image/png;base64,...", "segments": [{"color": "#e6194b", "text": "a red apple"}]}</pre>
 */
public record GenerateRequest(GenerationSettings settings, Layout layout, ObjectNode source) {
    public static final int MAX_SIZE = 1024, MIN_SIZE = 32, MAX_STEPS = 150, MAX_SEGMENTS = 16, MAX_TEXT = 500;
    /** The canvas background: painted pixels of this color are not part of any segment. */
    public static final String BACKGROUND = "#ffffff";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Set<String> FIELDS = Set.of("prompt", "negative_prompt", "width", "height", "steps", "cfg", "sampler",
            "sampler_eta", "seed", "guidance", "eta", "tau", "layers", "lambda", "pww_weight", "layout_png", "segments");

    /** Parses and validates; every problem is an {@link ApiException} with status 400 and a message for the page. */
    public static GenerateRequest parse(byte[] body, Defaults defaults) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiException.badRequest("the request is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) throw ApiException.badRequest("the request must be a JSON object");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw ApiException.badRequest("unknown field '" + f + "'");
        }
        String prompt = text(root, "prompt", "");
        if (prompt.isBlank()) throw ApiException.badRequest("the prompt is empty: describe the image");
        String negative = text(root, "negative_prompt", "");
        int width = integer(root, "width", defaults.width()), height = integer(root, "height", defaults.height());
        for (int v : new int[] {width, height})
            if (v < MIN_SIZE || v > MAX_SIZE || v % 8 != 0)
                throw ApiException.badRequest("width and height must be multiples of 8 from " + MIN_SIZE + " to " + MAX_SIZE + ", got " + width + "x" + height);
        int steps = integer(root, "steps", defaults.steps());
        if (steps < 1 || steps > MAX_STEPS) throw ApiException.badRequest("steps must be in 1.." + MAX_STEPS + ", got " + steps);
        String sampler = text(root, "sampler", "ddim").strip().toLowerCase(Locale.ROOT);
        if (!Schedulers.SAMPLER_NAMES.contains(sampler))
            throw ApiException.badRequest("unknown sampler '" + sampler + "': use " + String.join(", ", Schedulers.SAMPLER_NAMES));
        long seed = root.has("seed") ? longValue(root, "seed") : 0L;
        GuidanceMode guidance;
        try {
            guidance = GuidanceMode.parse(text(root, "guidance", "none"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        GenerationSettings s;
        try {
            s = new GenerationSettings(prompt, negative, width, height, steps, number(root, "cfg", defaults.cfg()),
                    sampler, number(root, "sampler_eta", 0f), seed, 1, guidance,
                    number(root, "eta", defaults.eta()), number(root, "tau", GenerationSettings.DEFAULT_TAU),
                    text(root, "layers", null), text(root, "lambda", "sqrt"), number(root, "pww_weight", GenerationSettings.DEFAULT_PWW_WEIGHT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        Layout layout = layout(root, width, height);
        if (guidance != GuidanceMode.NONE && layout == null)
            throw ApiException.badRequest("guidance '" + guidance.cliName() + "' needs a layout: paint at least one segment and give it a text");
        return new GenerateRequest(s, layout, (ObjectNode) root);
    }

    /** What a page starts from for a model. */
    /** Starting values for the fields a request leaves out, chosen per model. */
    public record Defaults(int width, int height, int steps, float cfg, float eta) {}

    private static Layout layout(JsonNode root, int width, int height) {
        JsonNode segs = root.get("segments");
        if (segs == null || segs.isNull()) return null;
        if (!segs.isArray()) throw ApiException.badRequest("'segments' must be a list of {color, text}");
        if (segs.size() > MAX_SEGMENTS) throw ApiException.badRequest("at most " + MAX_SEGMENTS + " segments, got " + segs.size());
        Map<String, String> labels = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode seg : segs) {
            i++;
            if (!seg.isObject()) throw ApiException.badRequest("segment " + i + " must be an object {color, text}");
            String color = text(seg, "color", "").strip().toLowerCase(Locale.ROOT);
            if (!color.matches("#[0-9a-f]{6}")) throw ApiException.badRequest("segment " + i + ": '" + color + "' is not a color #rrggbb");
            String t = text(seg, "text", "").strip();
            if (t.length() > MAX_TEXT) throw ApiException.badRequest("segment " + i + ": the text is longer than " + MAX_TEXT + " characters");
            if (labels.containsKey(color)) throw ApiException.badRequest("segment " + i + ": the color " + color + " is used twice");
            labels.put(color, t);
        }
        boolean anyText = labels.values().stream().anyMatch(t -> !t.isEmpty());
        if (!anyText) return null;
        if (!root.hasNonNull("layout_png")) throw ApiException.badRequest("segments were given without the painted layout (layout_png)");
        String data = text(root, "layout_png", "");
        int comma = data.startsWith("data:") ? data.indexOf(',') : -1;
        byte[] png;
        try {
            png = Base64.getDecoder().decode(data.substring(comma + 1).strip());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("layout_png is not base64 PNG data");
        }
        labels.putIfAbsent(BACKGROUND, "");
        Path dir = null;
        try {
            dir = Files.createTempDirectory("zest-layout");
            Path pngFile = dir.resolve("layout.png"), labelsFile = dir.resolve("labels.json");
            Files.write(pngFile, png);
            ObjectNode l = JSON.createObjectNode();
            labels.forEach(l::put);
            Files.writeString(labelsFile, l.toString());
            Layout layout;
            try {
                layout = LayoutReader.fromColorMap(pngFile, labelsFile);
            } catch (LayoutException e) {
                throw ApiException.badRequest("layout: " + e.getMessage().replace(pngFile.toString() + ": ", "")
                        .replace(pngFile.toString(), "the painted layout").replace(" in " + labelsFile, " in the segment list")
                        .replace(labelsFile + ": ", "").replace(" (map a color to \"\" for unguided background)", ""));
            }
            if (layout.width() != width || layout.height() != height)
                throw ApiException.badRequest("the painted layout is " + layout.width() + "x" + layout.height() + " but the image is "
                        + width + "x" + height);
            return layout;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    private static String text(JsonNode n, String field, String def) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return def;
        if (!v.isTextual()) throw ApiException.badRequest("'" + field + "' must be a string");
        if (v.asText().length() > 2000 && !field.equals("layout_png"))
            throw ApiException.badRequest("'" + field + "' is longer than 2000 characters");
        return v.asText();
    }

    private static int integer(JsonNode n, String field, int def) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return def;
        if (v.isTextual() && v.asText().strip().matches("-?\\d{1,9}")) return Integer.parseInt(v.asText().strip());
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw ApiException.badRequest("'" + field + "' must be a whole number, got " + v);
        return v.intValue();
    }

    private static long longValue(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v.isTextual() && v.asText().strip().matches("-?\\d{1,19}")) {
            try { return Long.parseLong(v.asText().strip()); } catch (NumberFormatException ignored) { /* below */ }
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiException.badRequest("'" + field + "' must be a whole number, got " + v);
        return v.longValue();
    }

    private static float number(JsonNode n, String field, float def) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return def;
        if (v.isTextual()) {
            try { return Float.parseFloat(v.asText().strip()); } catch (NumberFormatException e) {
                throw ApiException.badRequest("'" + field + "' must be a number, got \"" + v.asText() + "\"");
            }
        }
        if (!v.isNumber()) throw ApiException.badRequest("'" + field + "' must be a number, got " + v);
        return v.floatValue();
    }
}
