package zest.diffusion.zestguide;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import zest.nn.clip.ClipTokenizer;
import zest.nn.clip.PhraseMatch;

/**
 * Maps each segment's free text to its token positions in the (completed) prompt: all BPE pieces of its words.
 * <ul>
 *   <li>The whole text is looked up first; if it occurs several times, every occurrence is used and a warning
 *       says so.</li>
 *   <li>If the whole text is not found (e.g. the prompt was truncated at 77 tokens), each word is looked up on its
 *       own; words still not found are named in a warning.</li>
 *   <li>A segment left with no token at all is an error: guiding it would silently do nothing.</li>
 * </ul>
 */
public final class SegmentTokens {
    private SegmentTokens() {}

    public static int[][] locate(ClipTokenizer tokenizer, int[] promptIds, List<String> texts, Consumer<String> warn) {
        int[][] out = new int[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            Set<Integer> positions = new LinkedHashSet<>();
            PhraseMatch whole = tokenizer.locatePhrase(promptIds, text);
            if (whole.found()) {
                positions.addAll(whole.allPositions());
                if (whole.count() > 1)
                    warn.accept("segment '" + text + "' occurs " + whole.count() + " times in the prompt; all occurrences are guided");
            } else {
                List<String> missing = new ArrayList<>();
                for (String word : text.strip().split("\\s+")) {
                    PhraseMatch w = tokenizer.locatePhrase(promptIds, word);
                    if (w.found()) positions.addAll(w.allPositions());
                    else missing.add(word);
                }
                if (!missing.isEmpty())
                    warn.accept("segment '" + text + "': " + String.join(", ", missing) + " not found among the prompt's tokens"
                            + (positions.isEmpty() ? "" : "; guiding the words that are"));
            }
            if (positions.isEmpty())
                throw new IllegalArgumentException("segment '" + text + "' has no token in the prompt (is the prompt longer than 75 tokens?)");
            out[i] = positions.stream().mapToInt(Integer::intValue).sorted().toArray();
        }
        return out;
    }
}
