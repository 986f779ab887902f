package zest.nn.clip;

import java.text.Normalizer;

/**
 * The text clean-up transformers' {@code CLIPTokenizer} does when ftfy is not installed: its
 * {@code BasicTokenizer(strip_accents=False, do_split_on_punc=False)} followed by {@code " ".join(...)}.
 *
 * <p>Steps, in the reference order: drop NUL, U+FFFD and every "C*" category character except tab/CR/LF
 * (so zero-width joiners, soft hyphens and lone surrogates vanish); turn tab/CR/LF and "Zs" spaces into a space;
 * put spaces around CJK ideographs; NFC; split on whitespace and lower-case each word; re-join with single
 * spaces. Accents are kept and punctuation is not split here (the CLIP regex does that later).
 */
final class BasicNormalizer {

    private BasicNormalizer() {}

    static String normalize(String text) {
        StringBuilder cleaned = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
            if (isBertWhitespace(cp)) {
                cleaned.append(' ');
            } else if (isCjkIdeograph(cp)) {
                cleaned.append(' ').appendCodePoint(cp).append(' ');
            } else {
                cleaned.appendCodePoint(cp);
            }
        }
        String composed = Normalizer.normalize(cleaned, Normalizer.Form.NFC);
        // Lower-casing word by word (not the whole string) mirrors the reference; it only matters for the
        // context-sensitive final sigma, which never looks across a space anyway.
        StringBuilder out = new StringBuilder(composed.length());
        for (String word : PythonWhitespace.collapse(composed).split(" ")) {
            if (word.isEmpty()) continue;
            if (!out.isEmpty()) out.append(' ');
            out.append(PythonLowerCase.lower(word));
        }
        return out.toString();
    }

    /** BERT's {@code _is_control}: any "C*" category except the three whitespace controls. */
    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    /** BERT's {@code _is_whitespace}: space, tab, CR, LF and the "Zs" category. */
    private static boolean isBertWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** BERT's {@code _is_chinese_char}: the CJK Unified Ideographs blocks (not kana or hangul). */
    static boolean isCjkIdeograph(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
