package zest.nn.clip;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns prompt text into CLIP "words": splits out literal special-token strings, normalizes the text between
 * them, then applies CLIP's word split ({@link ClipWordScanner}). Each word keeps its character span in the
 * normalized text so callers can map tokens back to words.
 */
final class PreTokenizer {

    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";

    /** One CLIP word; {@code special} when it is a special-token string, which maps straight to its id. */
    record Word(String text, int start, int end, boolean special) {}

    /** The normalized text (stretches joined by single spaces) and its words, in order. */
    record Result(String normalizedText, List<Word> words) {}

    private PreTokenizer() {}

    static Result split(String text, Normalization normalization) {
        Objects.requireNonNull(text, "text");
        StringBuilder normalized = new StringBuilder(text.length() + 8);
        List<Word> words = new ArrayList<>();
        int position = 0;
        while (true) {
            // Special strings are cut out before normalization, exactly as written (transformers' added-token
            // trie), so punctuation glued to them cannot swallow them into a punctuation run.
            int start = text.indexOf(START_OF_TEXT, position);
            int end = text.indexOf(END_OF_TEXT, position);
            int next = start < 0 ? end : end < 0 ? start : Math.min(start, end);
            String stretch = next < 0 ? text.substring(position) : text.substring(position, next);
            appendWords(normalization.apply(stretch), normalized, words);
            if (next < 0) break;
            String special = next == start ? START_OF_TEXT : END_OF_TEXT;
            int offset = appendStretch(special, normalized);
            words.add(new Word(special, offset, offset + special.length(), true));
            position = next + special.length();
        }
        return new Result(normalized.toString(), words);
    }

    private static void appendWords(String stretch, StringBuilder normalized, List<Word> words) {
        if (stretch.isEmpty()) return;
        int offset = appendStretch(stretch, normalized);
        ClipWordScanner.scan(stretch, (start, end) -> {
            String word = stretch.substring(start, end);
            // After lower-casing, "<|ENDOFTEXT|>" reads as a special string too; CLIP's BPE cache maps it to the id.
            boolean special = word.equals(START_OF_TEXT) || word.equals(END_OF_TEXT);
            words.add(new Word(word, offset + start, offset + end, special));
        });
    }

    private static int appendStretch(String stretch, StringBuilder normalized) {
        if (!normalized.isEmpty()) normalized.append(' ');
        int offset = normalized.length();
        normalized.append(stretch);
        return offset;
    }
}
