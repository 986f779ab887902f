package zest.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;

/** HTTP helpers for the playground tests: JSON requests, the SSE stream, a painted two-segment layout, the shared sd-tiny model. */
final class PlaygroundClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static DiffusionModel model;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final URI base;

    PlaygroundClient(URI base) { this.base = base; }

    static synchronized DiffusionModel model() {
        if (model == null) model = ModelLoader.load(CheckCasesTest.resource("model_index.json").getParent(), null);
        return model;
    }

    record Response(int status, JsonNode json, byte[] body) {
        String error() { return json != null && json.has("error") ? json.get("error").asText() : null; }
    }

    record Event(String name, JsonNode data) {}

    Response get(String path) { return send(HttpRequest.newBuilder(base.resolve(path)).GET()); }

    Response post(String path, String body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Response post(String path, byte[] body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private Response send(HttpRequest.Builder b) {
        try {
            HttpResponse<byte[]> r = http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
            String type = r.headers().firstValue("Content-Type").orElse("");
            JsonNode json = type.startsWith("application/json") ? JSON.readTree(r.body()) : null;
            return new Response(r.statusCode(), json, r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Reads a job's event stream until {@code stop} accepts an event (or the stream ends); returns the events read. */
    List<Event> events(String jobId, Predicate<Event> stop) {
        List<Event> out = new ArrayList<>();
        try {
            HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(base.resolve("/api/jobs/" + jobId + "/events"))
                    .timeout(Duration.ofSeconds(120)).GET().build(), HttpResponse.BodyHandlers.ofLines());
            if (r.statusCode() != 200) throw new AssertionError("events: HTTP " + r.statusCode());
            try (Stream<String> lines = r.body()) {
                String name = null;
                for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                    String line = it.next();
                    if (line.startsWith("event: ")) name = line.substring(7);
                    else if (line.startsWith("data: ")) {
                        Event e = new Event(name, JSON.readTree(line.substring(6)));
                        out.add(e);
                        if (stop.test(e)) break;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return out;
    }

    static boolean terminal(Event e) { return e.name().equals("done") || e.name().equals("error") || e.name().equals("cancelled"); }

    /** A request for sd-tiny's 128×128 images; add a layout with {@link #withTwoSegments}. */
    static ObjectNode request(int steps, String guidance) {
        ObjectNode o = JSON.createObjectNode();
        o.put("prompt", "a red apple and a blue cup on a wooden table");
        o.put("width", 128);
        o.put("height", 128);
        o.put("steps", steps);
        o.put("seed", 7);
        o.put("guidance", guidance);
        return o;
    }

    static final int RED = 0xe6194b, BLUE = 0x4363d8;

    /** The left half red ("a red apple"), a disk on the right blue ("a blue cup"), the rest white (background). */
    static ObjectNode withTwoSegments(ObjectNode o) {
        BufferedImage img = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 128; y++)
            for (int x = 0; x < 128; x++) {
                double dy = y + 0.5 - 64, dx = x + 0.5 - 96;
                img.setRGB(x, y, x < 64 ? RED : dy * dy + dx * dx <= 29.4 * 29.4 ? BLUE : 0xffffff);
            }
        o.put("layout_png", "data:image/png;base64," + Base64.getEncoder().encodeToString(png(img)));
        var segs = o.putArray("segments");
        segs.addObject().put("color", "#e6194b").put("text", "a red apple");
        segs.addObject().put("color", "#4363d8").put("text", "a blue cup");
        return o;
    }

    static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
