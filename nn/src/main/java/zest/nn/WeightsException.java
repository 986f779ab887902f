package zest.nn;

import java.util.List;

/**
 * Weights do not fit a model: missing or unexpected tensors, shape mismatches, or a parameter used before it was
 * given a value. The message lists every problem found (not just the first), with the diffusers/transformers key
 * names, so a user can see at once whether a whole block is absent or a single tensor has the wrong shape.
 */
public class WeightsException extends RuntimeException {
    private final List<String> problems;

    public WeightsException(String message) {
        super(message);
        this.problems = List.of(message);
    }

    public WeightsException(String summary, List<String> problems) {
        super(format(summary, problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem (a missing key, an unexpected key or a shape mismatch). */
    public List<String> problems() { return problems; }

    /** At most this many problems are spelled out in the message; the rest are counted. */
    private static final int SHOWN = 40;

    private static String format(String summary, List<String> problems) {
        StringBuilder sb = new StringBuilder(summary);
        for (int i = 0; i < Math.min(SHOWN, problems.size()); i++) sb.append("\n  ").append(problems.get(i));
        if (problems.size() > SHOWN) sb.append("\n  ... and ").append(problems.size() - SHOWN).append(" more");
        return sb.toString();
    }
}
