package zest.nn.clip;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Finds a phrase's ids inside a prompt's id sequence, at word boundaries only.
 *
 * <p>BPE encodes each word on its own, so a phrase made of whole prompt words has exactly the ids those words
 * have in the prompt. The boundary check stops "wood" (ids of {@code wood</w>}) from matching the tail of
 * "redwood" ({@code red}, {@code wood</w>}): an occurrence must start right after BOS, a special token, or a
 * word-final piece.
 */
final class PhraseLocator {

    private PhraseLocator() {}

    /**
     * Start positions of every occurrence of {@code phrase} in {@code ids}. The searched content begins after a
     * leading BOS and ends at the first EOS, since everything after it is padding (SD 2.x pads with id 0, "!",
     * which a phrase could otherwise match).
     */
    static List<Integer> starts(int[] ids, int[] phrase, int bosId, int eosId, IntPredicate endsWord) {
        List<Integer> starts = new ArrayList<>();
        if (phrase.length == 0) return starts;
        int contentStart = ids.length > 0 && ids[0] == bosId ? 1 : 0;
        int contentEnd = contentStart;
        while (contentEnd < ids.length && ids[contentEnd] != eosId) contentEnd++;
        for (int start = contentStart; start + phrase.length <= contentEnd; start++) {
            if (start > contentStart && !endsWord.test(ids[start - 1])) continue;
            if (matchesAt(ids, phrase, start)) starts.add(start);
        }
        return starts;
    }

    private static boolean matchesAt(int[] ids, int[] phrase, int start) {
        for (int i = 0; i < phrase.length; i++) if (ids[start + i] != phrase[i]) return false;
        return true;
    }
}
