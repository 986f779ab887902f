package zest.nn.clip;

/**
 * Python's {@code str.lower()}.
 *
 * <p>Java's {@link String#toLowerCase} decides Greek final sigma with word boundaries, Python with the
 * Unicode Final_Sigma rule (a cased letter before, skipping case-ignorables, and none after), so "xΣ6" or
 * "aΣ🏽" lower-case differently and tokenize to different ids. Everything else is the simple per-code-point
 * mapping plus the one unconditional multi-character one, U+0130 -> "i̇".
 */
final class PythonLowerCase {

    private static final int CAPITAL_SIGMA = 0x03A3;

    private PythonLowerCase() {}

    static String lower(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp < 0x80) {
                out.append((char) (cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp));
            } else if (cp == CAPITAL_SIGMA) {
                out.append(isFinalSigma(text, i) ? '\u03C2' : '\u03C3');
            } else if (cp == 0x0130) {
                out.append("i\u0307");
            } else {
                out.appendCodePoint(Character.toLowerCase(cp));
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /** CPython's handle_capital_sigma: \p{cased} \p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased}). */
    private static boolean isFinalSigma(String text, int index) {
        int before = index;
        int cp = -1;
        while (before > 0) {
            cp = text.codePointBefore(before);
            before -= Character.charCount(cp);
            if (!isCaseIgnorable(cp)) break;
            cp = -1;
        }
        if (cp < 0 || !isCased(cp)) return false;
        for (int after = index + 1; after < text.length(); ) {
            cp = text.codePointAt(after);
            after += Character.charCount(cp);
            if (!isCaseIgnorable(cp)) return !isCased(cp);
        }
        return true;
    }

    private static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    /** Unicode's Case_Ignorable: marks, format characters, modifiers, and Word_Break MidLetter/MidNumLet/Single_Quote. */
    private static boolean isCaseIgnorable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                 Character.MODIFIER_SYMBOL -> true;
            default -> switch (cp) {
                case '\'', '.', ':', 0x00B7, 0x0387, 0x055F, 0x05F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52,
                     0xFE55, 0xFF07, 0xFF0E, 0xFF1A -> true;
                default -> false;
            };
        };
    }
}
