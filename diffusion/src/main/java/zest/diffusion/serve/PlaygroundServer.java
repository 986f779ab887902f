package zest.diffusion.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;
import zest.diffusion.schedulers.Schedulers;
import zest.diffusion.toy.ToyDefaults;
import zest.diffusion.zestguide.LayerSelection;

/**
 * The playground: a page to paint layouts and generate, served by the JDK's HTTP server with the assets from the
 * jar ({@code /zest/playground/}), a JSON API and a server-sent-event stream per job.
 *
 * <pre>
 * GET  /                          the page (index.html, app.js, style.css)
 * GET  /api/info                  model, defaults, limits, busy state
 * POST /api/generate              a {@link GenerateRequest} → 202 {id, position}; 400 invalid, 413 too large, 429 queue full
 * GET  /api/jobs/ID/events        text/event-stream: queued, start, step, warning, done | error | cancelled
 * POST /api/jobs/ID/cancel        stop a waiting or running job
 * GET  /api/runs                  the history (newest last)
 * GET  /api/runs/ID               one run: its request (to re-load), losses, attention maps
 * GET  /api/runs/ID/image.png     the image with its parameters embedded (A1111 "parameters" and zest's JSON)
 * </pre>
 */
public final class PlaygroundServer implements AutoCloseable {
    public static final long DEFAULT_MAX_BODY = 8L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");

    /** Server settings; {@code queueCapacity} counts requests waiting behind the running one. */
    public record Options(String host, int port, int queueCapacity, long maxBodyBytes, int maxRuns) {
        public static Options defaults() { return new Options("127.0.0.1", 7860, 4, DEFAULT_MAX_BODY, 32); }

        public Options withPort(int p) { return new Options(host, p, queueCapacity, maxBodyBytes, maxRuns); }

        public Options withHost(String h) { return new Options(h, port, queueCapacity, maxBodyBytes, maxRuns); }

        public Options withQueueCapacity(int q) { return new Options(host, port, q, maxBodyBytes, maxRuns); }

        public Options withMaxBodyBytes(long b) { return new Options(host, port, queueCapacity, b, maxRuns); }
    }

    private final HttpServer http;
    private final ExecutorService executor;
    private final JobQueue queue;
    private final RunStore store;
    private final Options options;
    private final String modelName;
    private final GenerateRequest.Defaults defaults;
    private final boolean loopback;

    private PlaygroundServer(DiffusionModel model, String modelName, Options options) throws IOException {
        this.options = options;
        this.modelName = modelName;
        this.defaults = defaultsFor(model);
        this.store = new RunStore(options.maxRuns(), 256L << 20);
        this.queue = new JobQueue(model, modelName, options.queueCapacity(), store);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
        this.loopback = http.getAddress().getAddress().isLoopbackAddress();
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /** Starts serving {@code model} (named {@code modelName} in the page and in image metadata). */
    public static PlaygroundServer start(DiffusionModel model, String modelName, Options options) throws IOException {
        return new PlaygroundServer(model, modelName, options);
    }

    /** The bound port (useful with port 0). */
    public int port() { return http.getAddress().getPort(); }

    public URI uri() {
        String h = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + h + ":" + port() + "/");
    }

    /**
     * Sensible starting values for a model: its native size; fewer steps for small (test) models; the toy model's
     * own steps, CFG and η for a pixel-space model (no VAE), SD's otherwise.
     */
    static GenerateRequest.Defaults defaultsFor(DiffusionModel model) {
        Integer sample = model.unet().config.sampleSize();
        int side = sample != null && sample > 0 ? sample * model.downscale() : 512;
        side = Math.clamp(side, GenerateRequest.MIN_SIZE, GenerateRequest.MAX_SIZE) / 8 * 8;
        if (model.vae() == null) return new GenerateRequest.Defaults(side, side, ToyDefaults.STEPS, ToyDefaults.CFG, ToyDefaults.ETA);
        return new GenerateRequest.Defaults(side, side, side <= 256 ? 10 : 30, GenerationSettings.DEFAULT_CFG, GenerationSettings.DEFAULT_ZEST_ETA);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            try {
                checkHost(ex);
                if (ASSETS.containsKey(path)) {
                    requireMethod(method, "GET");
                    asset(ex, ASSETS.get(path));
                } else if (path.equals("/api/info")) {
                    requireMethod(method, "GET");
                    sendJson(ex, 200, info());
                } else if (path.equals("/api/generate")) {
                    requireMethod(method, "POST");
                    generate(ex);
                } else if (path.startsWith("/api/jobs/")) {
                    jobs(ex, method, path.substring("/api/jobs/".length()));
                } else if (path.equals("/api/runs")) {
                    requireMethod(method, "GET");
                    ArrayNode list = JSON.createArrayNode();
                    for (RunStore.Run r : store.all()) list.add(brief(r));
                    sendJson(ex, 200, list);
                } else if (path.startsWith("/api/runs/")) {
                    requireMethod(method, "GET");
                    runs(ex, path.substring("/api/runs/".length()));
                } else {
                    throw new ApiException(404, "no such page: " + path);
                }
            } catch (ApiException e) {
                error(ex, e.status(), e.getMessage());
            } catch (RuntimeException e) {
                error(ex, 500, "server error: " + e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : ""));
            }
        }
    }

    /**
     * Bound to a loopback address, the server answers only requests addressed to a loopback name, so a web page
     * elsewhere cannot reach it by pointing its own host name at 127.0.0.1 (DNS rebinding).
     */
    private void checkHost(HttpExchange ex) {
        if (!loopback) return;
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) return;
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1) : host.replaceFirst(":\\d+$", "");
        if (!(name.equalsIgnoreCase("localhost") || name.startsWith("127.") || name.equals("[::1]")))
            throw new ApiException(403, "this server only answers requests for localhost, not '" + host + "'");
    }

    private static void requireMethod(String method, String want) {
        if (!method.equals(want) && !(want.equals("GET") && method.equals("HEAD")))
            throw new ApiException(405, "use " + want + " here, not " + method);
    }

    private ObjectNode info() {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", modelName);
        ObjectNode d = o.putObject("defaults");
        GenerationSettings base = GenerationSettings.defaults("");
        d.put("width", defaults.width());
        d.put("height", defaults.height());
        d.put("steps", defaults.steps());
        d.put("cfg", defaults.cfg());
        d.put("sampler", "ddim");
        d.put("sampler_eta", 0);
        d.put("guidance", GuidanceMode.ZEST.cliName());
        d.put("eta", defaults.eta());
        d.put("tau", base.tau());
        d.put("layers", LayerSelection.DEFAULT);
        d.put("lambda", base.lambdaSchedule());
        d.put("pww_weight", base.pwwWeight());
        ArrayNode samplers = o.putArray("samplers");
        Schedulers.SAMPLER_NAMES.forEach(samplers::add);
        ArrayNode modes = o.putArray("guidance_modes");
        for (GuidanceMode m : GuidanceMode.values()) modes.add(m.cliName());
        ObjectNode lim = o.putObject("limits");
        lim.put("max_size", GenerateRequest.MAX_SIZE);
        lim.put("min_size", GenerateRequest.MIN_SIZE);
        lim.put("max_steps", GenerateRequest.MAX_STEPS);
        lim.put("max_segments", GenerateRequest.MAX_SEGMENTS);
        lim.put("max_body_bytes", options.maxBodyBytes());
        lim.put("queue", queue.capacity());
        o.put("busy", queue.busy());
        o.put("waiting", queue.waitingCount());
        o.put("background", GenerateRequest.BACKGROUND);
        return o;
    }

    private void generate(HttpExchange ex) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json"))
            throw new ApiException(415, "send the request as JSON (Content-Type: application/json)");
        byte[] body = readBody(ex);
        GenerateRequest req = GenerateRequest.parse(body, defaults);
        Job job = queue.submit(req);
        ObjectNode o = JSON.createObjectNode();
        o.put("id", job.id());
        o.put("position", queue.position(job));
        o.put("events", "/api/jobs/" + job.id() + "/events");
        sendJson(ex, 202, o);
    }

    private byte[] readBody(HttpExchange ex) throws IOException {
        long limit = options.maxBodyBytes();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long n;
            try {
                n = Long.parseLong(declared.strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("bad Content-Length");
            }
            if (n > limit) {
                drain(ex, 4 * limit); // so the client, still sending, reads the answer instead of a reset connection
                throw tooLarge(limit);
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (b.length > limit) {
                drain(ex, 4 * limit);
                throw tooLarge(limit);
            }
            return b;
        }
    }

    private static void drain(HttpExchange ex, long atMost) {
        try (InputStream in = ex.getRequestBody()) {
            byte[] buf = new byte[64 << 10];
            long left = atMost;
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) left -= n;
        } catch (IOException ignored) {
            // the client gave up
        }
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(413, "the request is larger than " + (limit >= 1 << 20 ? (limit >> 20) + " MB" : limit + " bytes")
                + ": use a smaller layout image");
    }

    private void jobs(HttpExchange ex, String method, String rest) throws IOException {
        String[] parts = rest.split("/");
        Job job = queue.job(parts[0]);
        if (job == null) throw new ApiException(404, "no such job: " + parts[0]);
        if (parts.length == 1) {
            requireMethod(method, "GET");
            ObjectNode o = JSON.createObjectNode();
            o.put("id", job.id());
            o.put("state", job.state().label());
            o.put("position", queue.position(job));
            sendJson(ex, 200, o);
        } else if (parts.length == 2 && parts[1].equals("cancel")) {
            requireMethod(method, "POST");
            boolean asked = queue.cancel(job);
            ObjectNode o = JSON.createObjectNode();
            o.put("cancelled", asked);
            o.put("state", job.state().label());
            sendJson(ex, 200, o);
        } else if (parts.length == 2 && parts[1].equals("events")) {
            requireMethod(method, "GET");
            stream(ex, job);
        } else {
            throw new ApiException(404, "no such page: /api/jobs/" + rest);
        }
    }

    /** Server-sent events: the job's log from the start, then live, until it finishes or the page goes away. */
    private void stream(HttpExchange ex, Job job) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        int next = 0;
        try {
            while (true) {
                List<Job.Event> events = job.eventsFrom(next, 15_000);
                if (events.isEmpty()) {
                    if (job.state().finished() && job.eventsFrom(next, 0).isEmpty()) break;
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    continue;
                }
                for (Job.Event e : events)
                    out.write(("event: " + e.name() + "\ndata: " + e.data() + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                next += events.size();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the page went away
        }
    }

    private void runs(HttpExchange ex, String rest) throws IOException {
        String[] parts = rest.split("/");
        RunStore.Run run = store.get(parts[0]);
        if (run == null) throw new ApiException(404, "no such run: " + parts[0] + " (the server keeps the last " + options.maxRuns() + ")");
        if (parts.length == 1) {
            sendJson(ex, 200, run.summary());
        } else if (parts.length == 2 && parts[1].equals("image.png")) {
            ex.getResponseHeaders().set("Content-Type", "image/png");
            ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"zest-" + run.id() + ".png\"");
            send(ex, 200, run.png());
        } else {
            throw new ApiException(404, "no such page: /api/runs/" + rest);
        }
    }

    /** The history entry: the summary without the bulky layout image and maps. */
    private static ObjectNode brief(RunStore.Run r) {
        ObjectNode o = r.summary().deepCopy();
        o.remove("maps");
        if (o.get("request") instanceof ObjectNode req) req.remove("layout_png");
        return o;
    }

    private void asset(HttpExchange ex, String name) throws IOException {
        try (InputStream in = PlaygroundServer.class.getResourceAsStream("/zest/playground/" + name)) {
            if (in == null) throw new ApiException(404, "asset missing from the jar: " + name);
            byte[] b = in.readAllBytes();
            String type = name.endsWith(".html") ? "text/html; charset=utf-8" : name.endsWith(".js")
                    ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
            ex.getResponseHeaders().set("Content-Type", type);
            ex.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; style-src 'self'; script-src 'self'");
            send(ex, 200, b);
        }
    }

    private static void sendJson(HttpExchange ex, int status, Object node) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, status, JSON.writeValueAsBytes(node));
    }

    private static void error(HttpExchange ex, int status, String message) {
        try {
            sendJson(ex, status, JSON.createObjectNode().put("error", message));
        } catch (IOException ignored) {
            // the client went away, or headers were already sent (an SSE stream)
        }
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        queue.close();
        http.stop(0);
        executor.shutdownNow();
    }
}
