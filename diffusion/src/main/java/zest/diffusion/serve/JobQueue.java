package zest.diffusion.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import zest.diffusion.io.PngFiles;
import zest.diffusion.io.RunRecord;
import zest.diffusion.layout.Layout;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.pipeline.CancelledException;
import zest.diffusion.pipeline.GenerationResult;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.ProgressListener;
import zest.diffusion.pipeline.StableDiffusionPipeline;
import zest.diffusion.pipeline.StepInfo;
import zest.engine.Tensor;

/**
 * One generation at a time on one worker thread, with a bounded queue of waiting requests: a request past the
 * bound is refused (HTTP 429) rather than left waiting for minutes. Every job reports through its event log.
 */
public final class JobQueue implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_JOBS_KEPT = 32;

    private final DiffusionModel model;
    private final String modelName;
    private final int capacity;
    private final RunStore store;
    private final Deque<Job> waiting = new ArrayDeque<>();
    private final LinkedHashMap<String, Job> jobs = new LinkedHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Thread worker;
    private Job running;
    private boolean closed;

    public JobQueue(DiffusionModel model, String modelName, int capacity, RunStore store) {
        this.model = model;
        this.modelName = modelName;
        this.capacity = capacity;
        this.store = store;
        this.worker = Thread.ofPlatform().name("zest-generate").daemon(true).start(this::work);
    }

    public int capacity() { return capacity; }

    /** Queues a request; refuses with 429 when {@link #capacity()} requests already wait. */
    public synchronized Job submit(GenerateRequest request) {
        if (closed) throw new ApiException(503, "the server is shutting down");
        if (waiting.size() >= capacity)
            throw new ApiException(429, "the queue is full (" + waiting.size() + " waiting, one running): try again when a run finishes");
        String id = Long.toString(ids.incrementAndGet(), 36) + Long.toString(System.nanoTime() & 0xFFFFFF, 36);
        Job job = new Job(id, request);
        waiting.addLast(job);
        jobs.put(id, job);
        for (Iterator<Map.Entry<String, Job>> it = jobs.entrySet().iterator(); jobs.size() > MAX_JOBS_KEPT && it.hasNext(); ) {
            Job old = it.next().getValue();
            if (old.state().finished()) it.remove();
        }
        announcePositions();
        notifyAll();
        return job;
    }

    public synchronized Job job(String id) { return jobs.get(id); }

    /** Runs ahead of a job: 0 when it runs or has finished. */
    public synchronized int position(Job job) {
        int i = 0;
        for (Job j : waiting) {
            if (j == job) return i + (running != null ? 1 : 0);
            i++;
        }
        return 0;
    }

    public synchronized boolean busy() { return running != null; }

    public synchronized int waitingCount() { return waiting.size(); }

    /** Asks a job to stop: a waiting one leaves the queue, a running one stops at its next step. */
    public synchronized boolean cancel(Job job) {
        if (job.state().finished()) return false;
        job.requestCancel();
        if (waiting.remove(job)) {
            job.emit("cancelled", "{\"message\":\"cancelled while waiting\"}");
            job.setState(Job.State.CANCELLED);
            announcePositions();
        }
        return true;
    }

    private void announcePositions() {
        for (Job j : waiting) {
            ObjectNode o = JSON.createObjectNode();
            o.put("position", position(j));
            o.put("waiting", waiting.size());
            j.emit("queued", o.toString());
        }
    }

    private void work() {
        while (true) {
            Job job;
            synchronized (this) {
                while (waiting.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                job = waiting.pollFirst();
                running = job;
                job.setState(Job.State.RUNNING);
                announcePositions();
            }
            try {
                run(job);
            } finally {
                synchronized (this) {
                    running = null;
                    announcePositions();
                }
            }
        }
    }

    private void run(Job job) {
        GenerateRequest request = job.request();
        GenerationSettings s = request.settings();
        Layout layout = request.layout();
        ObjectNode start = JSON.createObjectNode();
        start.put("total", s.steps());
        job.emit("start", start.toString());
        long t0 = System.nanoTime();
        StableDiffusionPipeline pipe = new StableDiffusionPipeline(model).recordMaps(layout != null)
                .onWarning(w -> job.emit("warning", JSON.createObjectNode().put("message", w).toString()));
        ProgressListener listener = new ProgressListener() {
            double seconds;

            @Override
            public void onStep(int step, int total, StepInfo info) {
                if (job.cancelRequested()) throw new CancelledException();
                seconds += info.secondsThisStep();
                ObjectNode o = JSON.createObjectNode();
                o.put("step", step);
                o.put("total", total);
                o.put("seconds", info.secondsThisStep());
                o.put("eta", seconds / step * (total - step));
                if (info.zestLoss() != null) o.put("loss", info.zestLoss());
                String compact = o.toString();
                if (info.predictedOriginal() != null) o.put("preview", Previews.dataUrl(Previews.latentPreview(info.predictedOriginal())));
                if (info.segmentMaps() != null) {
                    ArrayNode maps = o.putArray("maps");
                    for (byte[] png : Previews.segmentMaps(info.segmentMaps(), 128)) maps.add(Previews.dataUrl(png));
                }
                job.emit("step", o.toString(), compact);
            }

            @Override
            public boolean cancelled() { return job.cancelRequested(); }
        };
        try {
            GenerationResult r = pipe.generate(s, layout, listener);
            double secs = (System.nanoTime() - t0) / 1e9;
            Tensor img = r.images().select(0, 0).contiguous();
            Map<String, String> text = new LinkedHashMap<>();
            text.put(RunRecord.A1111_CHUNK, RunRecord.a1111Parameters(s, modelName));
            text.put(RunRecord.CHUNK, RunRecord.toJson(s, layout, modelName));
            byte[] png = PngFiles.encodeRgb(PngFiles.toBytes(img.floats()), s.width(), s.height(), text);

            ObjectNode summary = JSON.createObjectNode();
            summary.put("id", job.id());
            summary.put("image", "/api/runs/" + job.id() + "/image.png");
            summary.put("created", System.currentTimeMillis());
            summary.put("seconds", secs);
            summary.put("prompt_used", r.prompt());
            summary.put("model", modelName);
            ArrayNode losses = summary.putArray("losses");
            for (Float l : r.losses()) losses.add(l);
            ArrayNode maps = summary.putArray("maps");
            long bytes = png.length;
            if (layout != null && !r.segmentMaps().isEmpty()) {
                Tensor first = r.segmentMaps().getFirst();
                int k = first.size(1), h = first.size(2), w = first.size(3);
                int side = Math.min(256, Math.max(s.width(), s.height()));
                int outW = Math.max(1, side * s.width() / Math.max(s.width(), s.height()));
                int outH = Math.max(1, side * s.height() / Math.max(s.width(), s.height()));
                for (int seg = 0; seg < k; seg++) {
                    float[] mean = new float[h * w];
                    for (Tensor step : r.segmentMaps()) {
                        float[] m = step.select(0, 0).select(0, seg).contiguous().toFloatArray();
                        for (int i = 0; i < m.length; i++) mean[i] += m[i] / r.segmentMaps().size();
                    }
                    byte[] map = Previews.heatMap(mean, h, w, outW, outH);
                    bytes += map.length * 4L / 3;
                    ObjectNode m = maps.addObject();
                    m.put("text", layout.segments().get(seg).text());
                    m.put("png", Previews.dataUrl(map));
                }
            }
            summary.set("request", request.source());
            bytes += request.source().toString().length();
            store.add(new RunStore.Run(job.id(), png, summary, bytes));
            ObjectNode done = summary.deepCopy(); // the page has its layout; /api/runs/ID gives it back
            if (done.get("request") instanceof ObjectNode req) req.remove("layout_png");
            job.emit("done", done.toString());
            job.setState(Job.State.DONE);
        } catch (CancelledException e) {
            job.emit("cancelled", "{\"message\":\"cancelled\"}");
            job.setState(Job.State.CANCELLED);
        } catch (IllegalArgumentException e) { // settings the pipeline rejects: no segment tokens, layer selection
            job.emit("error", JSON.createObjectNode().put("message", e.getMessage()).toString());
            job.setState(Job.State.FAILED);
        } catch (Throwable e) {
            job.emit("error", JSON.createObjectNode().put("message", "generation failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : "")).toString());
            job.setState(Job.State.FAILED);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (running != null) running.requestCancel();
            for (Job j : waiting) {
                j.requestCancel();
                j.emit("cancelled", "{\"message\":\"the server stopped\"}");
                j.setState(Job.State.CANCELLED);
            }
            waiting.clear();
            notifyAll();
        }
        try {
            worker.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
