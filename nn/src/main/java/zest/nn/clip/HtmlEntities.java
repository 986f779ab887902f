package zest.nn.clip;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftfy's {@code unescape_html} for the entities prompts actually contain.
 *
 * <p>Like ftfy, only {@code &name;} / {@code &#123;} / {@code &#x7b;} forms with the semicolon are replaced, and
 * an all-capitals spelling of a lower-case entity ({@code &EACUTE;}) gives the capital letter. Named entities
 * are limited to the markup ones, the HTML 4 Latin-1 set and common typography; Python knows all 2,231
 * HTML 5 names, so a rarer name (e.g. {@code &alpha;}) is left as text here.
 */
final class HtmlEntities {

    private static final Pattern ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");

    /** HTML 4's ISO-8859-1 entity names for U+00A0..U+00FF, in code point order. */
    private static final String LATIN1_NAMES = "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not"
            + " shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34"
            + " iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc"
            + " Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN"
            + " szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc"
            + " iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";

    private static final Map<String, String> NAMED = buildNamed();

    private HtmlEntities() {}

    private static Map<String, String> buildNamed() {
        Map<String, String> named = new HashMap<>();
        String[] latin1 = LATIN1_NAMES.split(" ");
        for (int i = 0; i < latin1.length; i++) named.put(latin1[i], String.valueOf((char) (0xA0 + i)));
        Object[] others = {
            "amp", '&', "lt", '<', "gt", '>', "quot", '"', "apos", '\'',
            "AMP", '&', "LT", '<', "GT", '>', "QUOT", '"',
            "ndash", '\u2013', "mdash", '\u2014', "lsquo", '\u2018', "rsquo", '\u2019', "sbquo", '\u201A',
            "ldquo", '\u201C', "rdquo", '\u201D', "bdquo", '\u201E', "hellip", '\u2026', "bull", '\u2022',
            "trade", '\u2122', "euro", '\u20AC', "dagger", '\u2020', "Dagger", '\u2021', "permil", '\u2030',
            "lsaquo", '\u2039', "rsaquo", '\u203A', "OElig", '\u0152', "oelig", '\u0153', "Scaron", '\u0160',
            "scaron", '\u0161', "Yuml", '\u0178', "fnof", '\u0192', "circ", '\u02C6', "tilde", '\u02DC',
            "ensp", '\u2002', "emsp", '\u2003', "thinsp", '\u2009', "zwnj", '\u200C', "zwj", '\u200D',
            "lrm", '\u200E', "rlm", '\u200F', "prime", '\u2032', "Prime", '\u2033', "larr", '\u2190',
            "rarr", '\u2192', "uarr", '\u2191', "darr", '\u2193', "harr", '\u2194', "hearts", '\u2665',
            "spades", '\u2660', "clubs", '\u2663', "diams", '\u2666', "infin", '\u221E', "ne", '\u2260',
            "le", '\u2264', "ge", '\u2265', "minus", '\u2212',
        };
        for (int i = 0; i < others.length; i += 2) named.put((String) others[i], String.valueOf(others[i + 1]));
        return named;
    }

    /** One pass of entity replacement; ftfy repeats its steps until nothing changes, so "&amp;lt;" ends as "<". */
    static String unescape(String text) {
        if (text.indexOf('&') < 0) return text;
        Matcher m = ENTITY.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(replacementFor(m.group())));
        m.appendTail(out);
        return out.toString();
    }

    private static String replacementFor(String entity) {
        String name = entity.substring(1, entity.length() - 1);
        if (name.startsWith("#")) return numeric(entity, name.substring(1));
        String named = NAMED.get(name);
        if (named != null) return named;
        String lower = name.toLowerCase(Locale.ROOT);
        if (name.equals(name.toUpperCase(Locale.ROOT)) && NAMED.containsKey(lower)) {
            return NAMED.get(lower).toUpperCase(Locale.ROOT);
        }
        return entity;
    }

    /** Python's {@code html.unescape} rules for character references. */
    private static String numeric(String entity, String digits) {
        boolean hex = digits.startsWith("x") || digits.startsWith("X");
        String number = hex ? digits.substring(1) : digits;
        if (number.isEmpty() || !number.chars().allMatch(c -> hex ? Character.digit(c, 16) >= 0 : c >= '0' && c <= '9')) {
            return entity;
        }
        long cp;
        try {
            cp = Long.parseLong(number, hex ? 16 : 10);
        } catch (NumberFormatException tooLong) {
            cp = Long.MAX_VALUE;
        }
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return "\uFFFD";
        if (cp >= 0x80 && cp <= 0x9F) return String.valueOf(Windows1252.decode((int) cp));
        if ((cp >= 0x1 && cp <= 0x8) || cp == 0xB || (cp >= 0xE && cp <= 0x1F) || cp == 0x7F
                || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
            return "";
        }
        return Character.toString((int) cp);
    }
}
