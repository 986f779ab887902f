package zest.diffusion.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Area downsampling of masks (torch's F.interpolate mode="area") and prompt completion. */
class LayoutTest {
    private static final float[] MASK_4x6 = {
            1, 0, 1, 1, 0, 0,
            1, 1, 0, 1, 0, 0.5f,
            0, 0, 0, 0, 1, 1,
            0, 1, 0, 0, 1, 1};

    private static Layout layout4x6() {
        float[] ones = new float[24];
        java.util.Arrays.fill(ones, 1f);
        return new Layout(6, 4, List.of(new Segment("a", MASK_4x6, 6, 4), new Segment("b", ones, 6, 4)));
    }

    /**
     * Expected values worked out by hand: F.interpolate(mask[None, None], size=(2, 3), mode="area") averages each
     * 2×2 block (adaptive_avg_pool2d with in/out = 2).
     */
    @Test
    void masksAtMatchesAreaInterpolationForFactorTwo() {
        float[] got = layout4x6().masksAt(2, 3);
        float[] expected = {
                0.75f, 0.75f, 0.125f,
                0.25f, 0f, 1f,
                // segment "b": all ones stays all ones
                1, 1, 1,
                1, 1, 1};
        assertArrayEquals(expected, got, 1e-7f);
    }

    /** size=(1, 2): 4×3 blocks (factor 4 vertically, 3 horizontally): 5/12 and 6.5/12. */
    @Test
    void masksAtWithDifferentFactorsPerAxis() {
        float[] got = layout4x6().masksAt(1, 2);
        assertArrayEquals(new float[] {5f / 12, 6.5f / 12, 1, 1}, got, 1e-7f);
    }

    @Test
    void masksAtSameSizeIsIdentity() {
        float[] got = layout4x6().masksAt(4, 6);
        assertArrayEquals(MASK_4x6, java.util.Arrays.copyOf(got, 24));
    }

    /** For any mask and integer factors, each output cell is the mean of its fy×fx block (torch's area mode). */
    @Property(tries = 60)
    void masksAtIsTheBlockMean(@ForAll @IntRange(min = 1, max = 5) int h, @ForAll @IntRange(min = 1, max = 5) int w,
                               @ForAll @IntRange(min = 1, max = 4) int fy, @ForAll @IntRange(min = 1, max = 4) int fx,
                               @ForAll long seed) {
        int H = h * fy, W = w * fx;
        java.util.Random r = new java.util.Random(seed);
        float[] m = new float[H * W];
        for (int i = 0; i < m.length; i++) m[i] = r.nextBoolean() ? 1f : r.nextFloat();
        float[] got = new Layout(W, H, List.of(new Segment("x", m, W, H))).masksAt(h, w);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int dy = 0; dy < fy; dy++) for (int dx = 0; dx < fx; dx++) s += m[(y * fy + dy) * W + x * fx + dx];
                assertEquals(s / (fy * fx), got[y * w + x], 1e-6, "cell " + y + "," + x);
            }
    }

    @Test
    void segmentsMustShareTheLayoutSize() {
        assertThrows(LayoutException.class, () -> new Layout(6, 4, List.of(new Segment("a", new float[12], 4, 3))));
        assertThrows(LayoutException.class, () -> new Segment(" ", new float[4], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new Segment("a", new float[3], 2, 2));
    }

    private static Layout withTexts(String... texts) {
        List<Segment> s = new java.util.ArrayList<>();
        for (String t : texts) s.add(new Segment(t, new float[] {1}, 1, 1));
        return new Layout(1, 1, s);
    }

    @Test
    void completePromptAppendsMissingTexts() {
        Layout l = withTexts("red apple", "blue cup");
        assertEquals("a red apple, blue cup", l.completePrompt("a red apple"));
        assertEquals("a red apple and a blue cup", l.completePrompt("a red apple and a blue cup"));
        assertEquals("A Red Apple on a table, blue cup", l.completePrompt("  A Red Apple on a table  "), "case-insensitive, stripped");
        assertEquals("red apple, blue cup", l.completePrompt(""));
        assertEquals("red apple, blue cup", l.completePrompt(null));
        assertEquals("a still life, red apple, blue cup", l.completePrompt("a still life"));
    }

    /** "cup" inside "cupboard" is not the word cup: the tokenizer would not find it, so it must be appended. */
    @Test
    void completePromptMatchesWholeWords() {
        assertEquals("a cupboard, cup", withTexts("cup").completePrompt("a cupboard"));
        assertEquals("a cup, on a table", withTexts("cup").completePrompt("a cup, on a table"));
        assertEquals("a red apple.", withTexts("red apple").completePrompt("a red apple."));
    }
}
