package zest.nn.clip;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's byte-pair encoding of one pre-tokenized word, with a cache.
 *
 * <p>The word (already written in {@link ByteUnicodeTable} characters) starts as single characters with
 * {@code </w>} glued to the last one, so word-final pieces have their own ids. The lowest-ranked adjacent pair
 * is merged everywhere (left to right, non-overlapping) until no adjacent pair is a known merge, exactly as
 * openai/CLIP's {@code SimpleTokenizer.bpe}.
 *
 * <p>Prompts reuse a small set of words, so results are cached; the cache stops growing at
 * {@link #CACHE_LIMIT} entries so a long-running server fed arbitrary text cannot grow it without bound.
 */
final class BytePairEncoder {

    static final String END_OF_WORD = "</w>";
    private static final int CACHE_LIMIT = 100_000;

    private final BpeMerges merges;
    private final ConcurrentHashMap<String, String[]> cache = new ConcurrentHashMap<>();

    BytePairEncoder(BpeMerges merges) {
        this.merges = merges;
    }

    /** The BPE pieces of a non-empty byte-encoded word; the last piece ends with {@code </w>}. */
    String[] encode(String word) {
        String[] cached = cache.get(word);
        if (cached != null) return cached;
        String[] pieces = merge(word);
        if (cache.size() < CACHE_LIMIT) cache.putIfAbsent(word, pieces);
        return pieces;
    }

    /**
     * Merges until no adjacent pair is a known merge. Pair ranks are kept in an array and only the pairs next
     * to a merge are looked up again, so a long word costs O(n) hash lookups rather than O(n^2); the result
     * is the same as recomputing every pair each round.
     */
    private String[] merge(String word) {
        int n = word.length();
        String[] symbols = new String[n];
        for (int i = 0; i < n - 1; i++) symbols[i] = String.valueOf(word.charAt(i));
        // Byte-table characters are all in the BMP, so one char is one symbol; the last carries </w>.
        symbols[n - 1] = word.charAt(n - 1) + END_OF_WORD;
        int[] ranks = new int[Math.max(n - 1, 0)];
        for (int i = 0; i + 1 < n; i++) ranks[i] = merges.rankOf(symbols[i], symbols[i + 1]);

        int[] oldIndex = new int[n];
        boolean[] changed = new boolean[n];
        int[] newRanks = new int[ranks.length];
        while (n > 1) {
            int best = lowestRank(ranks, n - 1);
            if (best < 0) break;
            String first = symbols[best];
            String second = symbols[best + 1];
            // Left to right, non-overlapping, written back into the same array (the write index never passes the read index).
            int w = 0;
            for (int r = 0; r < n; w++) {
                oldIndex[w] = r;
                if (r + 1 < n && symbols[r].equals(first) && symbols[r + 1].equals(second)) {
                    symbols[w] = first + second;
                    changed[w] = true;
                    r += 2;
                } else {
                    symbols[w] = symbols[r];
                    changed[w] = false;
                    r += 1;
                }
            }
            for (int i = 0; i + 1 < w; i++) {
                newRanks[i] = changed[i] || changed[i + 1]
                        ? merges.rankOf(symbols[i], symbols[i + 1])
                        : ranks[oldIndex[i]];
            }
            int[] swap = ranks;
            ranks = newRanks;
            newRanks = swap;
            n = w;
        }
        return Arrays.copyOf(symbols, n);
    }

    /** Index of the lowest-ranked pair among the first {@code count}, or -1 when none is a merge. */
    private static int lowestRank(int[] ranks, int count) {
        int best = -1;
        int bestRank = BpeMerges.NOT_A_MERGE;
        for (int i = 0; i < count; i++) {
            if (ranks[i] < bestRank) {
                bestRank = ranks[i];
                best = i;
            }
        }
        return best;
    }
}
