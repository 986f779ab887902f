package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.diffusion.io.PngFiles;
import zest.diffusion.io.RunRecord;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.serve.PlaygroundServer;

/** The playground's HTTP API on a real socket (127.0.0.1, ephemeral port) with the sd-tiny model. */
class ServeApiTest {
    static PlaygroundServer server;
    static PlaygroundClient client;

    @BeforeAll
    static void start() throws IOException {
        server = PlaygroundServer.start(PlaygroundClient.model(), "sd-tiny", PlaygroundServer.Options.defaults().withPort(0));
        client = new PlaygroundClient(server.uri());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void servesThePageAndItsAssetsFromTheJar() {
        var page = client.get("/");
        assertEquals(200, page.status());
        String html = new String(page.body());
        assertTrue(html.contains("<canvas id=\"canvas\""), html);
        assertFalse(html.contains("http://") || html.contains("https://"), "the page must not load anything from the network");
        assertEquals(200, client.get("/app.js").status());
        assertEquals(200, client.get("/style.css").status());
        assertEquals(404, client.get("/nothing-here").status());
        assertEquals(405, client.post("/api/info", "{}").status());
    }

    @Test
    void refusesForeignHostsAndNonJsonPosts() throws Exception {
        // a page elsewhere that rebinds its name to 127.0.0.1 sends its own Host header
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(("GET /api/info HTTP/1.1\r\nHost: evil.example:" + server.port() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        }
        var form = client.http.send(java.net.http.HttpRequest.newBuilder(server.uri().resolve("/api/generate"))
                .header("Content-Type", "text/plain").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(415, form.statusCode(), form.body());
    }

    @Test
    void serveCommandIsRegisteredAndChecksItsModel() {
        CliRun help = CliRun.of("serve", "--help");
        assertEquals(0, help.exitCode(), help.err());
        assertTrue(help.out().contains("--host") && help.out().contains("--port") && help.out().contains("--model"), help.out());
        assertTrue(help.out().contains("127.0.0.1") && help.out().contains("7860"), "the defaults are shown: " + help.out());
        CliRun missing = CliRun.of("serve", "--model", "/no/such/model", "--port", "0");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("not found"), missing.err());
    }

    @Test
    void infoGivesModelDefaultsAndLimits() {
        JsonNode info = client.get("/api/info").json();
        assertEquals("sd-tiny", info.get("model").asText());
        assertEquals(128, info.at("/defaults/width").asInt(), "sd-tiny's native size: sample_size 16 × 8");
        assertEquals(150, info.at("/limits/max_steps").asInt());
        assertEquals(4, info.at("/limits/queue").asInt());
        assertTrue(info.get("samplers").toString().contains("ddim"));
        assertEquals(GuidanceMode.values().length, info.get("guidance_modes").size());
    }

    @Test
    void invalidRequestsAre400WithAClearMessage() {
        assertRejected("{not json", "not valid JSON");
        assertRejected("[1, 2]", "JSON object");
        assertRejected(PlaygroundClient.request(999, "none").toString(), "steps must be in 1..150");
        assertRejected(PlaygroundClient.request(4, "none").put("width", 100).toString(), "multiples of 8");
        assertRejected(PlaygroundClient.request(4, "none").put("width", 2048).toString(), "1024");
        assertRejected(PlaygroundClient.request(4, "none").put("tau", 2).toString(), "tau must be in [0, 1]");
        assertRejected(PlaygroundClient.request(4, "none").put("cfg", "lots").toString(), "'cfg' must be a number");
        assertRejected(PlaygroundClient.request(4, "none").put("sampler", "heun").toString(), "unknown sampler");
        assertRejected(PlaygroundClient.request(4, "sideways").toString(), "unknown guidance");
        assertRejected(PlaygroundClient.request(4, "none").put("lambda", "cubic").toString(), "lambda schedule must be sqrt or linear");
        assertRejected(PlaygroundClient.request(4, "none").put("layers", "sideways42").toString(), "");
        assertRejected(PlaygroundClient.request(4, "none").put("prompt", " ").toString(), "prompt is empty");
        assertRejected(PlaygroundClient.request(4, "none").put("colour", "red").toString(), "unknown field 'colour'");
        assertRejected(PlaygroundClient.request(4, "zest").toString(), "needs a layout");

        ObjectNode unpainted = PlaygroundClient.withTwoSegments(PlaygroundClient.request(4, "zest"));
        ((ObjectNode) unpainted.withArray("segments").addObject()).put("color", "#3cb44b").put("text", "a green pear");
        assertRejected(unpainted.toString(), "is not painted anywhere");

        ObjectNode stray = PlaygroundClient.withTwoSegments(PlaygroundClient.request(4, "zest"));
        stray.withArray("segments").remove(1); // blue is painted but no longer listed
        String msg = assertRejected(stray.toString(), "colors not in the segment list");
        assertFalse(msg.contains("/tmp") || msg.contains("zest-layout"), "no server paths in messages: " + msg);

        ObjectNode wrongSize = PlaygroundClient.withTwoSegments(PlaygroundClient.request(4, "zest"));
        wrongSize.put("width", 256);
        assertRejected(wrongSize.toString(), "the painted layout is 128x128 but the image is 256x128");

        assertRejected(PlaygroundClient.request(4, "zest").put("layout_png", "!!!").set("segments",
                PlaygroundClient.JSON.createArrayNode().add(PlaygroundClient.JSON.createObjectNode().put("color", "#e6194b").put("text", "x")))
                .toString(), "not base64");
    }

    private static String assertRejected(String body, String expected) {
        var r = client.post("/api/generate", body);
        assertEquals(400, r.status(), body.length() > 300 ? body.substring(0, 300) : body);
        assertNotNull(r.error(), "a JSON {error} body");
        assertTrue(r.error().contains(expected), "message '" + r.error() + "' should mention '" + expected + "'");
        return r.error();
    }

    @Test
    void oversizeBodyIs413() {
        byte[] big = new byte[9 << 20];
        java.util.Arrays.fill(big, (byte) ' ');
        var r = client.post("/api/generate", big);
        assertEquals(413, r.status());
        assertTrue(r.error().contains("larger than 8 MB"), r.error());
    }

    @Test
    void aFourStepGuidedRunStreamsProgressAndEndsWithAnImage(@TempDir Path tmp) throws IOException {
        var r = client.post("/api/generate", PlaygroundClient.withTwoSegments(PlaygroundClient.request(4, "zest")).put("tau", 1).toString());
        assertEquals(202, r.status(), String.valueOf(r.json()));
        String id = r.json().get("id").asText();
        List<PlaygroundClient.Event> events = client.events(id, PlaygroundClient::terminal);
        PlaygroundClient.Event last = events.getLast();
        assertEquals("done", last.name(), String.valueOf(last.data()));
        List<JsonNode> steps = events.stream().filter(e -> e.name().equals("step")).map(PlaygroundClient.Event::data).toList();
        assertEquals(4, steps.size());
        for (int i = 0; i < 4; i++) {
            JsonNode s = steps.get(i);
            assertEquals(i + 1, s.get("step").asInt());
            assertEquals(4, s.get("total").asInt());
            assertTrue(s.has("eta") && s.has("loss"), s.toString());
        }
        // the newest step keeps its images; a late subscriber sees the older ones compacted
        assertTrue(steps.getLast().get("preview").asText().startsWith("data:image/png;base64,"));
        assertEquals(2, steps.getLast().get("maps").size(), "one attention map per segment");

        JsonNode done = last.data();
        assertEquals(2, done.get("maps").size());
        assertEquals("a red apple", done.at("/maps/0/text").asText());
        assertEquals(4, done.get("losses").size(), "τ = 1 guides all four steps");
        var png = client.get(done.get("image").asText());
        assertEquals(200, png.status());
        Path file = tmp.resolve("run.png");
        Files.write(file, png.body());
        Map<String, String> text = PngFiles.readText(file);
        RunRecord.Run stored = RunRecord.fromJson(text.get(RunRecord.CHUNK));
        assertEquals(4, stored.settings().steps());
        assertEquals(GuidanceMode.ZEST, stored.settings().guidance());
        assertEquals(2, stored.layout().segments().size());
        assertTrue(text.get(RunRecord.A1111_CHUNK).contains("Steps: 4"));
        BufferedImage img = javax.imageio.ImageIO.read(file.toFile());
        assertEquals(128, img.getWidth());

        JsonNode runs = client.get("/api/runs").json();
        assertTrue(runs.toString().contains(id));
        JsonNode full = client.get("/api/runs/" + id).json();
        assertTrue(full.at("/request/layout_png").asText().startsWith("data:image/png"), "a run re-loads with its layout");
        assertEquals(404, client.get("/api/runs/nope").status());
        assertEquals("done", client.get("/api/jobs/" + id).json().get("state").asText());
    }

    @Test
    void everyGuidanceModeAndSamplerRunsFromThePage() {
        String[][] cases = {{"pww", "ddim"}, {"zest+pww", "euler"}, {"multidiffusion", "dpmpp2m"}, {"none", "pndm"}};
        for (String[] c : cases) {
            ObjectNode req = PlaygroundClient.withTwoSegments(PlaygroundClient.request(2, c[0])).put("sampler", c[1]);
            var r = client.post("/api/generate", req.toString());
            assertEquals(202, r.status(), String.valueOf(r.json()));
            var last = client.events(r.json().get("id").asText(), PlaygroundClient::terminal).getLast();
            assertEquals("done", last.name(), c[0] + "/" + c[1] + ": " + last.data());
        }
    }

    @Test
    void cancelStopsARunningJob() {
        var r = client.post("/api/generate", PlaygroundClient.request(150, "none").toString());
        assertEquals(202, r.status());
        String id = r.json().get("id").asText();
        client.events(id, e -> e.name().equals("step") || PlaygroundClient.terminal(e));
        var c = client.post("/api/jobs/" + id + "/cancel", "");
        assertEquals(200, c.status());
        List<PlaygroundClient.Event> events = client.events(id, PlaygroundClient::terminal);
        assertEquals("cancelled", events.getLast().name());
        long steps = events.stream().filter(e -> e.name().equals("step")).count();
        assertTrue(steps < 150, "stopped after " + steps + " steps");
        assertEquals("cancelled", client.get("/api/jobs/" + id).json().get("state").asText());
        assertFalse(client.post("/api/jobs/" + id + "/cancel", "").json().get("cancelled").asBoolean(), "already finished");
        assertEquals(404, client.post("/api/jobs/nope/cancel", "").status());
    }

    @Test
    void aFullQueueIs429AndPositionsAreReported() throws IOException {
        try (PlaygroundServer small = PlaygroundServer.start(PlaygroundClient.model(), "sd-tiny",
                PlaygroundServer.Options.defaults().withPort(0).withQueueCapacity(1))) {
            PlaygroundClient c = new PlaygroundClient(small.uri());
            String body = PlaygroundClient.request(150, "none").toString();
            var running = c.post("/api/generate", body);
            assertEquals(202, running.status());
            String runningId = running.json().get("id").asText();
            c.events(runningId, e -> e.name().equals("step")); // it has started: the queue is empty again
            var waiting = c.post("/api/generate", body);
            assertEquals(202, waiting.status());
            assertEquals(1, waiting.json().get("position").asInt(), "one run ahead");
            String waitingId0 = waiting.json().get("id").asText();
            assertEquals(1, c.events(waitingId0, e -> e.name().equals("queued")).getLast().data().get("position").asInt());
            var refused = c.post("/api/generate", body);
            assertEquals(429, refused.status());
            assertTrue(refused.error().contains("queue is full"), refused.error());
            JsonNode info = c.get("/api/info").json();
            assertTrue(info.get("busy").asBoolean());
            assertEquals(1, info.get("waiting").asInt());

            String waitingId = waiting.json().get("id").asText();
            assertEquals(200, c.post("/api/jobs/" + waitingId + "/cancel", "").status());
            assertEquals("cancelled", c.events(waitingId, PlaygroundClient::terminal).getLast().name());
            assertEquals(202, c.post("/api/generate", PlaygroundClient.request(2, "none").toString()).status(), "room again");
            c.post("/api/jobs/" + runningId + "/cancel", "");
            assertEquals("cancelled", c.events(runningId, PlaygroundClient::terminal).getLast().name());
        }
    }
}
