package zest.diffusion.serve;

import java.util.ArrayList;
import java.util.List;

/**
 * One generation request and its event log. Events are kept so a page that connects late still sees every step;
 * only the newest step event keeps its images (older ones are replaced by a compact copy), bounding memory.
 */
public final class Job {
    public enum State { QUEUED, RUNNING, DONE, FAILED, CANCELLED;
        boolean finished() { return this == DONE || this == FAILED || this == CANCELLED; }
        String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** One server-sent event: its name and JSON data. */
    public record Event(String name, String data) {}

    private final String id;
    private GenerateRequest request;
    private final List<Event> events = new ArrayList<>();
    private int lastStepIndex = -1;
    private String compactLastStep;
    private State state = State.QUEUED;
    private volatile boolean cancelRequested;

    Job(String id, GenerateRequest request) {
        this.id = id;
        this.request = request;
    }

    public String id() { return id; }

    /** The request; null once the job has finished (its layout and image data are let go). */
    public synchronized GenerateRequest request() { return request; }

    public synchronized State state() { return state; }

    public boolean cancelRequested() { return cancelRequested; }

    void requestCancel() { cancelRequested = true; }

    synchronized void setState(State s) {
        state = s;
        if (s.finished()) request = null;
        notifyAll();
    }

    /** Adds an event; {@code compact} (may be null) replaces it in the log once a newer step arrives. */
    synchronized void emit(String name, String data, String compact) {
        if (lastStepIndex >= 0 && name.equals("step") && compactLastStep != null)
            events.set(lastStepIndex, new Event("step", compactLastStep));
        events.add(new Event(name, data));
        if (name.equals("step")) {
            lastStepIndex = events.size() - 1;
            compactLastStep = compact;
        }
        notifyAll();
    }

    synchronized void emit(String name, String data) { emit(name, data, null); }

    /**
     * Events from index {@code from} on, waiting up to {@code waitMillis} when there are none yet; an empty list
     * with {@link #state()} finished means the log is complete.
     */
    synchronized List<Event> eventsFrom(int from, long waitMillis) throws InterruptedException {
        if (from >= events.size() && !state.finished()) wait(waitMillis);
        return from >= events.size() ? List.of() : List.copyOf(events.subList(from, events.size()));
    }
}
