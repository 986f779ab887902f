package zest.nn.clip;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The ranked merge list read from a {@code merges.txt}: an optional {@code #version} header line, then one
 * {@code first second} pair per line, most frequent (lowest rank) first.
 */
final class BpeMerges {

    /** Rank of a pair that is not in the list: never merged. */
    static final int NOT_A_MERGE = Integer.MAX_VALUE;

    /** Keyed by {@code first + " " + second}: symbols never contain a space (the byte table maps it away). */
    private final Map<String, Integer> ranks;

    private BpeMerges(Map<String, Integer> ranks) {
        this.ranks = ranks;
    }

    /** Parses {@code in}; {@code source} names the file in error messages. Does not close {@code in}. */
    static BpeMerges read(InputStream in, String source) {
        String text;
        try {
            text = Utf8.decodeStrict(in.readAllBytes(), source);
        } catch (IOException e) {
            throw new TokenizerException(source + ": cannot read: " + e, e);
        }
        Map<String, Integer> ranks = new HashMap<>(1 << 17);
        int lineNumber = 0;
        int rank = 0;
        for (String line : (Iterable<String>) text.lines()::iterator) {
            lineNumber++;
            // Both transformers and tokenizers treat the first line as a "#version: 0.2" comment.
            if (lineNumber == 1 && line.startsWith("#")) continue;
            String trimmed = line.strip();
            // Blank lines (typically a trailing one) carry no pair: transformers turns them into an empty
            // tuple that never matches, so skipping them changes nothing.
            if (trimmed.isEmpty()) continue;
            // A repeated pair keeps its later rank, like transformers' dict(zip(merges, range(n))).
            ranks.put(pairKey(trimmed, source, lineNumber), rank++);
        }
        if (ranks.isEmpty()) throw new TokenizerException(source + ": no merges found");
        return new BpeMerges(ranks);
    }

    /** "first second" from a stripped line, checking it has exactly two whitespace-separated symbols. */
    private static String pairKey(String line, String source, int lineNumber) {
        int firstEnd = 0;
        while (firstEnd < line.length() && !Character.isWhitespace(line.charAt(firstEnd))) firstEnd++;
        int secondStart = firstEnd;
        while (secondStart < line.length() && Character.isWhitespace(line.charAt(secondStart))) secondStart++;
        String second = line.substring(secondStart);
        if (secondStart == line.length() || second.chars().anyMatch(Character::isWhitespace)) {
            int symbols = line.split("\\s+").length;
            throw new TokenizerException(source + " line " + lineNumber
                    + ": expected two space-separated symbols, found " + symbols + ": " + ClipVocabulary.quote(line));
        }
        // The common case, one plain space between the symbols, is already the key.
        boolean singleSpace = secondStart == firstEnd + 1 && line.charAt(firstEnd) == ' ';
        return singleSpace ? line : line.substring(0, firstEnd) + ' ' + second;
    }

    /** The rank of merging {@code first} with {@code second}, or {@link #NOT_A_MERGE}. */
    int rankOf(String first, String second) {
        Integer rank = ranks.get(first + ' ' + second);
        return rank == null ? NOT_A_MERGE : rank;
    }

    int size() {
        return ranks.size();
    }
}
