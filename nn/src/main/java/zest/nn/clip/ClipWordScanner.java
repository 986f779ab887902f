package zest.nn.clip;

/**
 * CLIP's word split, the regex
 * <pre>{@code <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+}</pre>
 * (case-insensitive), written out by hand: through java.util.regex it was most of a prompt's tokenization
 * time. {@link #PATTERN} keeps the regex form; a property test checks both split every string alike.
 *
 * <p>At each position the alternatives are tried in the regex's order; a code point none of them matches is
 * skipped. That only happens to U+0345: Python's regex module case-folds it to a Greek iota, a letter, so it
 * is in none of the classes and is dropped; Java needs it spelled out.
 */
final class ClipWordScanner {

    /** The same split as a java.util.regex pattern, for tests. */
    static final String PATTERN = "<\\|startoftext\\|>|<\\|endoftext\\|>|(?iu:'s|'t|'re|'ve|'m|'ll|'d)|\\p{L}+|\\p{N}"
            + "|[^\\s\\p{L}\\p{N}\\u0345]+";

    private static final String[] CONTRACTIONS = {"s", "t", "re", "ve", "m", "ll", "d"};

    interface WordSink {
        void word(int start, int end);
    }

    private ClipWordScanner() {}

    static void scan(String text, WordSink sink) {
        int i = 0;
        while (i < text.length()) {
            int end = matchAt(text, i);
            if (end > i) {
                sink.word(i, end);
                i = end;
            } else {
                i += Character.charCount(text.codePointAt(i));
            }
        }
    }

    /** End of the word starting at {@code i}, or {@code i} when no alternative matches there. */
    private static int matchAt(String text, int i) {
        if (text.startsWith(PreTokenizer.START_OF_TEXT, i)) return i + PreTokenizer.START_OF_TEXT.length();
        if (text.startsWith(PreTokenizer.END_OF_TEXT, i)) return i + PreTokenizer.END_OF_TEXT.length();
        int cp = text.codePointAt(i);
        if (cp == '\'') {
            int end = contractionEnd(text, i + 1);
            if (end > 0) return end;
        }
        if (Character.isLetter(cp)) return runEnd(text, i, true);
        if (isNumber(cp)) return i + Character.charCount(cp);
        if (isSymbol(cp)) return runEnd(text, i, false);
        return i;
    }

    /** End of a run of letters ({@code letters}) or of symbols starting at {@code i}. */
    private static int runEnd(String text, int i, boolean letters) {
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (letters ? !Character.isLetter(cp) : !isSymbol(cp)) break;
            i += Character.charCount(cp);
        }
        return i;
    }

    /** End of "s", "t", "re", ... (any case) at {@code i}, or -1. */
    private static int contractionEnd(String text, int i) {
        for (String suffix : CONTRACTIONS) {
            if (regionMatchesIgnoringCase(text, i, suffix)) return i + suffix.length();
        }
        return -1;
    }

    private static boolean regionMatchesIgnoringCase(String text, int start, String lowerAscii) {
        if (start + lowerAscii.length() > text.length()) return false;
        for (int k = 0; k < lowerAscii.length(); k++) {
            char c = text.charAt(start + k);
            // Case-insensitive as in the regex: upper-casing also maps the long s "ſ" to "S".
            if (Character.toUpperCase(c) != Character.toUpperCase(lowerAscii.charAt(k))) return false;
        }
        return true;
    }

    private static boolean isNumber(int cp) {
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }

    /** {@code [^\s\p{L}\p{N}]} minus U+0345 (see the class comment). */
    private static boolean isSymbol(int cp) {
        return !isWhiteSpace(cp) && !Character.isLetter(cp) && !isNumber(cp) && cp != 0x0345;
    }

    /** Unicode White_Space, which is what {@code \s} means under UNICODE_CHARACTER_CLASS. */
    private static boolean isWhiteSpace(int cp) {
        if ((cp >= '\t' && cp <= '\r') || cp == 0x85) return true;
        return switch (Character.getType(cp)) {
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> true;
            default -> false;
        };
    }
}
