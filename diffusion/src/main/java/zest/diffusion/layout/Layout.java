package zest.diffusion.layout;

import java.util.ArrayList;
import java.util.List;

/** The segments a user painted, all at one image resolution. */
public record Layout(int width, int height, List<Segment> segments) {
    /**
     * Most mask values (segments × width × height) a layout may hold: each segment is a float per pixel, so this is
     * checked before the masks are allocated. 2^26 values (256 MB) allow 256 segments at 512×512 or 4 at 4096×4096.
     */
    public static final long MAX_MASK_VALUES = 1L << 26;

    /** Refuses, before allocating them, masks larger than {@link #MAX_MASK_VALUES}. */
    public static void checkMaskBudget(String source, long segments, long width, long height) {
        if (segments * width * height > MAX_MASK_VALUES)
            throw new LayoutException(source + ": " + segments + " segments of " + width + "x" + height + " pixels are more than zest holds ("
                    + MAX_MASK_VALUES + " mask pixels in all): use fewer segments or a smaller layout");
    }

    public Layout {
        segments = List.copyOf(segments);
        for (Segment s : segments)
            if (s.width() != width || s.height() != height)
                throw new LayoutException("segment '" + s.text() + "' is " + s.width() + "x" + s.height()
                        + " but the layout is " + width + "x" + height);
    }

    public boolean isEmpty() { return segments.isEmpty(); }

    public List<String> texts() {
        List<String> t = new ArrayList<>();
        for (Segment s : segments) t.add(s.text());
        return t;
    }

    /**
     * The prompt with every segment text that it does not already contain appended (", " joined), as the
     * ZestGuide paper does so that each segment has tokens to attend to.
     */
    public String completePrompt(String prompt) {
        StringBuilder sb = new StringBuilder(prompt == null ? "" : prompt.strip());
        for (Segment s : segments) {
            String text = s.text().strip();
            if (!containsWords(sb.toString(), text)) {
                if (!sb.isEmpty()) sb.append(", ");
                sb.append(text);
            }
        }
        return sb.toString();
    }

    /**
     * Whether {@code text} occurs in {@code prompt} as whole words (case-insensitive): "cup" is not in "a cupboard",
     * where the tokenizer would not find it either.
     */
    static boolean containsWords(String prompt, String text) {
        return java.util.regex.Pattern.compile("(?<![\\p{L}\\p{N}])" + java.util.regex.Pattern.quote(text) + "(?![\\p{L}\\p{N}])",
                java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.UNICODE_CASE).matcher(prompt).find();
    }

    /** Masks downsampled by area averaging to h×w, as [K, h, w] row-major values. */
    public float[] masksAt(int h, int w) {
        float[] out = new float[segments.size() * h * w];
        for (int k = 0; k < segments.size(); k++) {
            float[] m = segments.get(k).mask();
            for (int y = 0; y < h; y++) {
                int y0 = (int) Math.floor((double) y * height / h), y1 = (int) Math.ceil((double) (y + 1) * height / h);
                for (int x = 0; x < w; x++) {
                    int x0 = (int) Math.floor((double) x * width / w), x1 = (int) Math.ceil((double) (x + 1) * width / w);
                    double s = 0;
                    for (int yy = y0; yy < y1; yy++) for (int xx = x0; xx < x1; xx++) s += m[yy * width + xx];
                    out[(k * h + y) * w + x] = (float) (s / ((y1 - y0) * (x1 - x0)));
                }
            }
        }
        return out;
    }
}
