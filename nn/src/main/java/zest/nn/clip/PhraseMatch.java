package zest.nn.clip;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Where a phrase's token sequence occurs in a prompt's padded id sequence.
 *
 * <p>Every occurrence is reported ({@link #count()} says how many; they may overlap, e.g. "word word" in
 * "word word word" occurs at 1 and 2). An empty result ({@link #found()} false) means the phrase is not in the
 * prompt as whole words, or only past the truncation point; the caller decides whether to warn.
 *
 * @param phrase    the phrase as given
 * @param phraseIds its BPE ids (no BOS/EOS); empty for a phrase with no tokens
 * @param starts    position of the first token of each occurrence, ascending (BOS is position 0)
 */
public record PhraseMatch(String phrase, int[] phraseIds, List<Integer> starts) {

    public PhraseMatch {
        phraseIds = phraseIds.clone();
        starts = List.copyOf(starts);
    }

    @Override
    public int[] phraseIds() {
        return phraseIds.clone();
    }

    public int count() {
        return starts.size();
    }

    public boolean found() {
        return !starts.isEmpty();
    }

    /** Tokens per occurrence. */
    public int length() {
        return phraseIds.length;
    }

    /** The positions covered by one occurrence, e.g. [2, 3] for "red apple" in "a red apple ...". */
    public List<Integer> positions(int occurrence) {
        int start = starts.get(occurrence);
        List<Integer> positions = new ArrayList<>(phraseIds.length);
        for (int i = 0; i < phraseIds.length; i++) positions.add(start + i);
        return positions;
    }

    /** Every position covered by any occurrence, ascending, each once. */
    public List<Integer> allPositions() {
        TreeSet<Integer> all = new TreeSet<>();
        for (int i = 0; i < starts.size(); i++) all.addAll(positions(i));
        return List.copyOf(all);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PhraseMatch other
                && phrase.equals(other.phrase)
                && Arrays.equals(phraseIds, other.phraseIds)
                && starts.equals(other.starts);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * phrase.hashCode() + Arrays.hashCode(phraseIds)) + starts.hashCode();
    }

    @Override
    public String toString() {
        return "PhraseMatch[" + phrase + " -> " + Arrays.toString(phraseIds) + " at " + starts + "]";
    }
}
