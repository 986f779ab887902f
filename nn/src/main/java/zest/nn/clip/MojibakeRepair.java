package zest.nn.clip;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A narrow version of ftfy's {@code fix_encoding}: undoes UTF-8 that was decoded as Windows-1252/Latin-1
 * ("cafÃ©" -> "café", "â€™" -> "’").
 *
 * <p>ftfy weighs a whole-text "badness" score before re-decoding; this only rewrites a lead character
 * (Â..ô) followed by exactly the continuation characters a UTF-8 sequence needs, and only when those bytes
 * decode strictly. Ordinary accented text almost never has that shape (a letter like "é" would need two
 * symbol characters such as "©" or "€" right after it), but it can miss mojibake ftfy catches (sequences
 * whose bytes were further damaged, or text decoded as other code pages).
 */
final class MojibakeRepair {

    private MojibakeRepair() {}

    static String repair(String text) {
        if (!hasLeadCharacter(text)) return text;
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int length = sequenceLength(text.charAt(i));
            String decoded = length > 1 ? decodeSequence(text, i, length) : null;
            if (decoded != null) {
                out.append(decoded);
                i += length;
            } else {
                out.append(text.charAt(i++));
            }
        }
        return out.toString();
    }

    private static boolean hasLeadCharacter(String text) {
        for (int i = 0; i < text.length(); i++) if (sequenceLength(text.charAt(i)) > 1) return true;
        return false;
    }

    /** Bytes in the UTF-8 sequence a lead character starts; 1 for anything that cannot start one. */
    private static int sequenceLength(char c) {
        if (c >= 0xC2 && c <= 0xDF) return 2;
        if (c >= 0xE0 && c <= 0xEF) return 3;
        if (c >= 0xF0 && c <= 0xF4) return 4;
        return 1;
    }

    /** The text the bytes of {@code text[start, start+length)} spell in UTF-8, or null if they do not. */
    private static String decodeSequence(String text, int start, int length) {
        if (start + length > text.length()) return null;
        byte[] bytes = new byte[length];
        for (int k = 0; k < length; k++) {
            int b = Windows1252.encode(text.charAt(start + k));
            boolean continuation = b >= 0x80 && b <= 0xBF;
            if (k > 0 && !continuation) return null;
            bytes[k] = (byte) b;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException notUtf8) {
            return null;
        }
    }
}
