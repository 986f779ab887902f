package zest.diffusion.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import zest.diffusion.layout.Layout;
import zest.diffusion.layout.LayoutException;
import zest.diffusion.layout.Segment;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;

/**
 * A run's settings and layout as JSON (stored in the PNG as the {@code zest} text chunk, so
 * {@code zest generate --from image.png} re-runs it) and as the A1111-style {@code parameters} text other tools read.
 * Masks are stored run-length encoded (alternating run lengths of 0 and 1, row-major), thresholded at 0.5.
 */
public final class RunRecord {
    public static final String CHUNK = "zest";
    public static final String A1111_CHUNK = "parameters";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_SEGMENTS = 64;

    private RunRecord() {}

    public record Run(GenerationSettings settings, Layout layout, String model) {}

    public static String toJson(GenerationSettings s, Layout layout, String model) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "zest-run/1");
        if (model != null) root.put("model", model);
        root.put("prompt", s.prompt());
        root.put("negative_prompt", s.negativePrompt());
        root.put("width", s.width());
        root.put("height", s.height());
        root.put("steps", s.steps());
        root.put("cfg", s.cfgScale());
        if (s.sampler() != null) root.put("sampler", s.sampler());
        root.put("sampler_eta", s.samplerEta());
        root.put("seed", s.seed());
        root.put("batch", s.batch());
        root.put("guidance", s.guidance().cliName());
        root.put("eta", s.zestEta());
        root.put("tau", s.tau());
        root.put("layers", s.layers());
        root.put("lambda", s.lambdaSchedule());
        root.put("pww_weight", s.pwwWeight());
        if (layout != null) {
            ObjectNode l = root.putObject("layout");
            l.put("width", layout.width());
            l.put("height", layout.height());
            ArrayNode segs = l.putArray("segments");
            for (Segment seg : layout.segments()) {
                ObjectNode o = segs.addObject();
                o.put("text", seg.text());
                o.put("mask_rle", encodeRle(seg.mask()));
            }
        }
        return root.toString();
    }

    public static Run fromJson(String json) {
        JsonNode r;
        try {
            r = JSON.readTree(json);
        } catch (Exception e) {
            throw new LayoutException("the image's zest settings are not valid JSON: " + e.getMessage());
        }
        if (r == null || !r.isObject() || !"zest-run/1".equals(r.path("format").asText()))
            throw new LayoutException("the image carries no zest settings (format zest-run/1)");
        GenerationSettings s;
        try {
            s = new GenerationSettings(r.path("prompt").asText(""), r.path("negative_prompt").asText(""),
                r.path("width").asInt(512), r.path("height").asInt(512), r.path("steps").asInt(50), (float) r.path("cfg").asDouble(7.5),
                r.hasNonNull("sampler") ? r.get("sampler").asText() : null, (float) r.path("sampler_eta").asDouble(0),
                r.path("seed").asLong(0), r.path("batch").asInt(1), GuidanceMode.parse(r.path("guidance").asText("none")),
                (float) r.path("eta").asDouble(0.3), (float) r.path("tau").asDouble(0.5), r.path("layers").asText(null),
                r.path("lambda").asText("sqrt"), (float) r.path("pww_weight").asDouble(0.4));
        } catch (IllegalArgumentException e) { // out-of-range or unknown values: a damaged record, not a bug
            throw new LayoutException("the image's zest settings are invalid: " + e.getMessage(), e);
        }
        Layout layout = null;
        JsonNode l = r.get("layout");
        if (l != null && l.isObject()) {
            int w = l.path("width").asInt(), h = l.path("height").asInt();
            if (w <= 0 || h <= 0 || (long) w * h > 4096L * 4096L) throw new LayoutException("stored layout size " + w + "x" + h + " is invalid");
            List<Segment> segs = new ArrayList<>();
            JsonNode arr = l.path("segments");
            if (arr.size() > MAX_SEGMENTS) throw new LayoutException("stored layout has more than " + MAX_SEGMENTS + " segments");
            Layout.checkMaskBudget("stored layout", arr.size(), w, h);
            for (JsonNode seg : arr) segs.add(new Segment(seg.path("text").asText(), decodeRle(seg.path("mask_rle").asText(), w * h), w, h));
            layout = new Layout(w, h, segs);
        }
        return new Run(s, layout, r.hasNonNull("model") ? r.get("model").asText() : null);
    }

    /** The A1111 web UI's parameters text, so other tools show the prompt and settings. */
    public static String a1111Parameters(GenerationSettings s, String model) {
        StringBuilder sb = new StringBuilder(s.prompt());
        if (!s.negativePrompt().isEmpty()) sb.append("\nNegative prompt: ").append(s.negativePrompt());
        sb.append("\nSteps: ").append(s.steps())
                .append(", Sampler: ").append(a1111Sampler(s.sampler()))
                .append(", CFG scale: ").append(s.cfgScale())
                .append(", Seed: ").append(s.seed())
                .append(", Size: ").append(s.width()).append('x').append(s.height());
        if (model != null) sb.append(", Model: ").append(model);
        if (s.guidance() != GuidanceMode.NONE) {
            sb.append(", Layout guidance: ").append(s.guidance().cliName());
            if (s.guidance().usesZest())
                sb.append(", ZestGuide eta: ").append(s.zestEta()).append(", ZestGuide tau: ").append(s.tau())
                        .append(", ZestGuide layers: ").append(a1111Quote(s.layers()));
            if (s.guidance().usesPww()) sb.append(", PwW weight: ").append(s.pwwWeight());
        }
        return sb.toString();
    }

    /** The web UI's names for our samplers, so its "PNG info" tab recognises them. */
    static String a1111Sampler(String sampler) {
        if (sampler == null) return "default";
        return switch (sampler.toLowerCase(Locale.ROOT)) {
            case "ddim" -> "DDIM";
            case "pndm", "plms" -> "PLMS";
            case "euler" -> "Euler";
            case "dpmpp2m" -> "DPM++ 2M";
            default -> a1111Quote(sampler);
        };
    }

    /** A value with a comma, colon or newline is written as a JSON string, as the web UI does (else it splits there). */
    static String a1111Quote(String v) {
        if (v.indexOf(',') < 0 && v.indexOf(':') < 0 && v.indexOf('\n') < 0) return v;
        return JSON.getNodeFactory().textNode(v).toString();
    }

    static String encodeRle(float[] mask) {
        StringBuilder sb = new StringBuilder();
        boolean current = false;
        int run = 0;
        for (float v : mask) {
            boolean on = v >= 0.5f;
            if (on != current) {
                sb.append(run).append(',');
                run = 0;
                current = on;
            }
            run++;
        }
        sb.append(run);
        return sb.toString();
    }

    static float[] decodeRle(String rle, int n) {
        float[] m = new float[n];
        int at = 0;
        boolean on = false;
        for (String part : rle.split(",")) {
            int len;
            try {
                len = Integer.parseInt(part.strip());
            } catch (NumberFormatException e) {
                throw new LayoutException("stored mask is not run-length encoded numbers");
            }
            if (len < 0 || len > n - at) throw new LayoutException("stored mask runs past the layout size");
            if (on) java.util.Arrays.fill(m, at, at + len, 1f);
            at += len;
            on = !on;
        }
        if (at != n) throw new LayoutException("stored mask covers " + at + " of " + n + " pixels");
        return m;
    }
}
