package zest.nn;

import java.util.List;

/** What a non-strict {@link Module#loadStateDict} left out: parameters without a tensor and tensors without a parameter. */
public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
    public LoadResult {
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
    }

    public boolean isComplete() { return missingKeys.isEmpty() && unexpectedKeys.isEmpty(); }
}
