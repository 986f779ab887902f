package zest.nn.clip;

/**
 * Python's {@code str.isspace()} / {@code str.split()} notion of whitespace.
 *
 * <p>The reference tokenizers split and collapse whitespace with Python; Java's
 * {@link Character#isWhitespace} differs (it excludes no-break spaces), so the set is spelled out.
 */
final class PythonWhitespace {

    private PythonWhitespace() {}

    static boolean isSpace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0B, '\f', '\r', 0x1C, 0x1D, 0x1E, 0x1F, ' ', 0x85, 0xA0, 0x1680,
                 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** {@code " ".join(text.split())}: runs of whitespace become one space, none at either end. */
    static String collapse(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); ) {
            int cp = Character.codePointAt(text, i);
            i += Character.charCount(cp);
            if (isSpace(cp)) {
                pendingSpace = !out.isEmpty();
            } else {
                if (pendingSpace) out.append(' ');
                pendingSpace = false;
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }
}
