package zest.nn.clip;

import java.text.Normalizer;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The clean-up transformers' {@code CLIPTokenizer} does when ftfy is installed,
 * {@code whitespace_clean(ftfy.fix_text(text)).lower()}, with ftfy's default steps re-implemented where they
 * are cheap: HTML entities ({@link HtmlEntities}), mojibake ({@link MojibakeRepair}), C1 controls, Latin
 * ligatures, full-width characters, curly quotes, lone surrogates, terminal escapes, control characters,
 * NFC; repeated, as in ftfy, until the text stops changing.
 *
 * <p>Unlike {@link BasicNormalizer} there is no CJK spacing and zero-width joiners survive, so emoji
 * sequences and Japanese text tokenize as the ftfy-enabled reference does.
 */
final class FtfyLiteNormalizer {

    private static final Pattern SINGLE_QUOTES = Pattern.compile("[\u02BC\u2018-\u201B]");
    private static final Pattern DOUBLE_QUOTES = Pattern.compile("[\u201C-\u201F]");
    private static final Pattern TERMINAL_ESCAPES = Pattern.compile("\u001B\\[[0-9;]*[a-zA-Z]");
    private static final Map<Character, String> LIGATURES = Map.ofEntries(
            Map.entry('\u0132', "IJ"), Map.entry('\u0133', "ij"), Map.entry('\u0149', "\u02BCn"),
            Map.entry('\u01C4', "D\u017D"), Map.entry('\u01C5', "D\u017E"), Map.entry('\u01C6', "d\u017E"),
            Map.entry('\u01C7', "LJ"), Map.entry('\u01C8', "Lj"), Map.entry('\u01C9', "lj"),
            Map.entry('\u01CA', "NJ"), Map.entry('\u01CB', "Nj"), Map.entry('\u01CC', "nj"),
            Map.entry('\u01F1', "DZ"), Map.entry('\u01F2', "Dz"), Map.entry('\u01F3', "dz"),
            Map.entry('\uFB00', "ff"), Map.entry('\uFB01', "fi"), Map.entry('\uFB02', "fl"),
            Map.entry('\uFB03', "ffi"), Map.entry('\uFB04', "ffl"), Map.entry('\uFB05', "\u017Ft"),
            Map.entry('\uFB06', "st"));
    /** ftfy loops until a fixed point; real text settles in two or three rounds. */
    private static final int MAX_ROUNDS = 8;

    private FtfyLiteNormalizer() {}

    static String normalize(String text) {
        StringBuilder fixed = new StringBuilder(text.length());
        // ftfy works line by line and stops unescaping HTML for good once a line contains '<' (it may be markup).
        boolean unescapeHtml = true;
        int start = 0;
        while (start < text.length()) {
            int newline = text.indexOf('\n', start);
            int end = newline < 0 ? text.length() : newline + 1;
            String line = text.substring(start, end);
            if (line.indexOf('<') >= 0) unescapeHtml = false;
            fixed.append(fixLine(line, unescapeHtml));
            start = end;
        }
        return PythonLowerCase.lower(PythonWhitespace.collapse(fixed));
    }

    private static String fixLine(String text, boolean unescapeHtml) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String before = text;
            if (unescapeHtml) text = HtmlEntities.unescape(text);
            text = MojibakeRepair.repair(text);
            text = fixC1Controls(text);
            text = replaceLigaturesAndWideCharacters(text);
            text = SINGLE_QUOTES.matcher(text).replaceAll("'");
            text = DOUBLE_QUOTES.matcher(text).replaceAll("\"");
            // ftfy's fix_line_breaks is skipped: every line break becomes a space in the final collapse anyway.
            text = TERMINAL_ESCAPES.matcher(text).replaceAll("");
            text = removeControlsAndLoneSurrogates(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(before)) break;
        }
        return text;
    }

    private static String fixC1Controls(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                if (out == null) out = new StringBuilder(text).delete(i, text.length());
                out.append(Windows1252.decode(c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    /** ftfy's fix_latin_ligatures and fix_character_width (full-/half-width forms become NFKC, U+3000 a space). */
    private static String replaceLigaturesAndWideCharacters(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String ligature = LIGATURES.get(c);
            if (ligature != null) {
                out.append(ligature);
            } else if (c == '\u3000') {
                out.append(' ');
            } else if (c >= '\uFF01' && c <= '\uFFEF') {
                out.append(Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** ftfy's remove_control_chars set; lone surrogates become U+FFFD as in its fix_surrogates. */
    private static String removeControlsAndLoneSurrogates(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (isFtfyControl(cp)) continue;
            out.appendCodePoint(Character.getType(cp) == Character.SURROGATE ? 0xFFFD : cp);
        }
        return out.toString();
    }

    private static boolean isFtfyControl(int cp) {
        return cp <= 0x08 || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
                || (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFC);
    }
}
