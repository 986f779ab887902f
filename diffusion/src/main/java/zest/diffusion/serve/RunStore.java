package zest.diffusion.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Finished runs kept in memory for the history gallery, newest last; the oldest go when a count or byte bound is passed. */
public final class RunStore {
    /**
     * @param png     the image with its parameters embedded (what the download gives)
     * @param summary what the page shows and re-loads: the request, the losses, the map images, timings
     */
    public record Run(String id, byte[] png, ObjectNode summary, long bytes) {}

    private final int maxRuns;
    private final long maxBytes;
    private final LinkedHashMap<String, Run> runs = new LinkedHashMap<>();
    private long bytes;

    public RunStore(int maxRuns, long maxBytes) {
        this.maxRuns = maxRuns;
        this.maxBytes = maxBytes;
    }

    public synchronized void add(Run run) {
        runs.put(run.id(), run);
        bytes += run.bytes();
        Iterator<Map.Entry<String, Run>> it = runs.entrySet().iterator();
        while ((runs.size() > maxRuns || bytes > maxBytes) && runs.size() > 1) {
            Run old = it.next().getValue();
            bytes -= old.bytes();
            it.remove();
        }
    }

    public synchronized Run get(String id) { return runs.get(id); }

    public synchronized List<Run> all() { return new ArrayList<>(runs.values()); }
}
