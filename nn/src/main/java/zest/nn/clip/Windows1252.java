package zest.nn.clip;

/**
 * The bytes 0x80..0x9F of Windows-1252, the code page behind most mojibake and behind HTML's reading of
 * {@code &#128;}..{@code &#159;}. The five bytes Windows-1252 leaves undefined keep their C1 control meaning,
 * as in ftfy's "sloppy" codec.
 */
final class Windows1252 {

    private static final String HIGH = "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F"
            + "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    private Windows1252() {}

    /** The character of one byte 0x00..0xFF. */
    static char decode(int unsignedByte) {
        return unsignedByte >= 0x80 && unsignedByte <= 0x9F ? HIGH.charAt(unsignedByte - 0x80) : (char) unsignedByte;
    }

    /** The byte a character stands for in (sloppy) Windows-1252 or Latin-1, or -1 when it has none. */
    static int encode(char c) {
        if (c < 0x100) return c;
        int i = HIGH.indexOf(c);
        return i < 0 ? -1 : 0x80 + i;
    }
}
