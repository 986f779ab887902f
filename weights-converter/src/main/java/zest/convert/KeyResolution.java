package zest.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import zest.nn.WeightsException;

/**
 * How the tensor names of one LDM checkpoint fit an {@link LdmKeyMapping}: which tensor feeds each diffusers key,
 * which were ignored as known extras, which are unknown, and what is missing or mis-shaped.
 *
 * @param matched       every mapped diffusers key with the checkpoint name it comes from (mapping order)
 * @param ignored       checkpoint names skipped as known extras (EMA weights, schedule buffers, position_ids, ...)
 * @param unknown       checkpoint names that are neither mapped nor known extras (reported, not loaded)
 * @param missing       mapped keys whose LDM tensor is absent (one per LDM name)
 * @param shapeProblems one line per present LDM tensor whose shape does not fit the configs
 */
public record KeyResolution(List<Match> matched, List<String> ignored, List<String> unknown, List<LdmKey> missing,
                            List<String> shapeProblems) {

    /** A diffusers key and the checkpoint tensor name it is read from (which may be an alias of the LDM name). */
    public record Match(LdmKey key, String checkpointName) {}

    public KeyResolution {
        matched = List.copyOf(matched);
        ignored = List.copyOf(ignored);
        unknown = List.copyOf(unknown);
        missing = List.copyOf(missing);
        shapeProblems = List.copyOf(shapeProblems);
    }

    public boolean isComplete() { return missing.isEmpty() && shapeProblems.isEmpty(); }

    /** Throws one {@link WeightsException} listing every missing and every mis-shaped tensor. */
    public KeyResolution requireComplete() {
        if (isComplete()) return this;
        List<String> problems = new ArrayList<>(shapeProblems);
        for (LdmKey k : missing)
            problems.add("missing " + k.ldmName() + " " + Arrays.toString(k.ldmShape()) + " (" + k.component() + ": "
                    + k.diffusersName() + (k.isFused() ? " and the other fused parts" : "") + ")");
        Map<Component, Integer> perComponent = new EnumMap<>(Component.class);
        for (LdmKey k : missing) perComponent.merge(k.component(), 1, Integer::sum);
        StringBuilder summary = new StringBuilder("LDM checkpoint does not fit the model configs:");
        if (!missing.isEmpty()) summary.append(" ").append(missing.size()).append(" tensors missing ").append(perComponent);
        if (!shapeProblems.isEmpty()) summary.append(missing.isEmpty() ? " " : ", ").append(shapeProblems.size()).append(" with the wrong shape");
        throw new WeightsException(summary.toString(), problems);
    }
}
