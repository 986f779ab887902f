package zest.diffusion.toy;

import java.util.ArrayList;
import java.util.List;

/**
 * Losses written exactly (each float's bits as 8 hex digits, comma-separated), because --verify compares the
 * reproduced losses for equality, not to a printed precision.
 */
public final class LossLog {
    private LossLog() {}

    public static String encode(List<Float> losses) {
        StringBuilder sb = new StringBuilder(losses.size() * 9);
        for (int i = 0; i < losses.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append(String.format("%08x", Float.floatToRawIntBits(losses.get(i))));
        }
        return sb.toString();
    }

    public static List<Float> decode(String s) {
        List<Float> out = new ArrayList<>();
        if (s == null || s.isEmpty()) return out;
        for (String part : s.split(",")) out.add(Float.intBitsToFloat(Integer.parseUnsignedInt(part, 16)));
        return out;
    }
}
