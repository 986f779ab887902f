package zest.diffusion.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import zest.diffusion.layout.Layout;
import zest.diffusion.layout.LayoutException;
import zest.diffusion.layout.Segment;
import zest.diffusion.pipeline.GenerationSettings;
import zest.diffusion.pipeline.GuidanceMode;

/** The zest-run/1 JSON stored in images (settings + RLE masks) and the A1111 parameters text. */
class RunRecordTest {
    static GenerationSettings settings() {
        return new GenerationSettings("une pomme rouge 🍎 and a blue cup", "blurry, low quality", 136, 64, 12, 6.5f, "dpmpp2m", 0.25f,
                4_000_000_123L, 2, GuidanceMode.ZEST_PWW, 0.35f, 0.4f, "down16,up_blocks.2", "linear", 0.6f);
    }

    static Layout layout(int w, int h, long seed) {
        Random r = new Random(seed);
        float[] a = new float[w * h], b = new float[w * h];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextInt(3) == 0 ? 1f : 0f;
            b[i] = i % w < w / 2 ? 1f : 0f;
        }
        a[0] = 1f;
        return new Layout(w, h, List.of(new Segment("une pomme rouge 🍎", a, w, h), new Segment("blue cup", b, w, h)));
    }

    @Test
    void roundTripsSettingsAndLayout() {
        GenerationSettings s = settings();
        Layout l = layout(136, 64, 3);
        RunRecord.Run run = RunRecord.fromJson(RunRecord.toJson(s, l, "/models/sd-tiny"));
        assertEquals(s, run.settings());
        assertEquals("/models/sd-tiny", run.model());
        assertEquals(l.width(), run.layout().width());
        assertEquals(l.height(), run.layout().height());
        assertEquals(l.texts(), run.layout().texts());
        for (int k = 0; k < 2; k++) assertArrayEquals(l.segments().get(k).mask(), run.layout().segments().get(k).mask());
    }

    @Test
    void roundTripsWithoutLayoutModelOrSampler() {
        GenerationSettings s = GenerationSettings.defaults("a cat").withSeed(7);
        RunRecord.Run run = RunRecord.fromJson(RunRecord.toJson(s, null, null));
        assertEquals(s, run.settings());
        assertNull(run.layout());
        assertNull(run.model());
        assertNull(run.settings().sampler());
    }

    /** Soft masks are stored thresholded at 0.5. */
    @Test
    void softMasksAreThresholded() {
        float[] m = {0f, 0.49f, 0.5f, 0.9f, 1f, 0.2f};
        String rle = RunRecord.encodeRle(m);
        assertEquals("2,3,1", rle);
        assertArrayEquals(new float[] {0, 0, 1, 1, 1, 0}, RunRecord.decodeRle(rle, 6));
        assertEquals("0,3", RunRecord.encodeRle(new float[] {1, 1, 1}));
        assertEquals("3", RunRecord.encodeRle(new float[] {0, 0, 0}));
    }

    @Property(tries = 100)
    void rleRoundTrips(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll long seed) {
        Random r = new Random(seed);
        float[] m = new float[n];
        int run = 0;
        boolean on = r.nextBoolean();
        for (int i = 0; i < n; i++) {
            if (run-- <= 0) { on = !on; run = r.nextInt(1 + r.nextInt(20)); }
            m[i] = on ? 1f : 0f;
        }
        assertArrayEquals(m, RunRecord.decodeRle(RunRecord.encodeRle(m), n));
    }

    @Test
    void malformedStoredJsonIsALayoutException() {
        String good = RunRecord.toJson(settings(), layout(8, 4, 1), "m");
        List<String> bad = List.of(
                "not json", "", "[]", "42", "{}", "{\"format\":\"zest-run/2\"}",
                good.substring(0, good.length() / 2),
                good.replace("\"guidance\":\"zest+pww\"", "\"guidance\":\"sideways\""),
                good.replace("\"steps\":12", "\"steps\":-3"),
                good.replace("\"cfg\":6.5", "\"cfg\":1000"),
                good.replace("\"layers\":\"down16,up_blocks.2\"", "\"layers\":\"sideways\""),
                good.replace("\"lambda\":\"linear\"", "\"lambda\":\"cubic\""),
                good.replace("\"batch\":2", "\"batch\":0"),
                good.replace("\"tau\":0.4", "\"tau\":2"),
                good.replace("\"text\":\"blue cup\"", "\"text\":\"\""),
                good.replace("\"width\":8", "\"width\":-8"),
                good.replace("\"height\":4", "\"height\":100000"),
                withRle(good, "1,x,3"),
                withRle(good, ""),
                withRle(good, "40"),
                withRle(good, "33"),
                withRle(good, "5,-1,28"),
                withRle(good, "5,2147483647"),
                withRle(good, "5,99999999999"));
        for (String json : bad) {
            var e = assertThrows(LayoutException.class, () -> RunRecord.fromJson(json), json);
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
    }

    /** Replaces the RLE of the second segment (8×4 layout: 32 pixels). */
    private static String withRle(String json, String rle) {
        int seg = json.indexOf("\"text\":\"blue cup\"");
        int at = json.indexOf("\"mask_rle\":\"", seg) + "\"mask_rle\":\"".length();
        int end = json.indexOf('"', at);
        return json.substring(0, at) + rle + json.substring(end);
    }

    @Test
    void a1111ParametersFormat() {
        GenerationSettings s = new GenerationSettings("a red apple and a blue cup", "blurry", 128, 96, 10, 7.5f, "dpmpp2m", 0f,
                42L, 1, GuidanceMode.ZEST_PWW, 0.3f, 0.5f, null, "sqrt", 0.4f);
        assertEquals("a red apple and a blue cup\nNegative prompt: blurry\n"
                + "Steps: 10, Sampler: DPM++ 2M, CFG scale: 7.5, Seed: 42, Size: 128x96, Model: sd-tiny, "
                + "Layout guidance: zest+pww, ZestGuide eta: 0.3, ZestGuide tau: 0.5, ZestGuide layers: \"down16,up16,up32\", "
                + "PwW weight: 0.4", RunRecord.a1111Parameters(s, "sd-tiny"));

        GenerationSettings plain = new GenerationSettings("a cat", "", 512, 512, 50, 7.5f, "ddim", 0f, 1L, 1, GuidanceMode.NONE,
                0.3f, 0.5f, "16", "sqrt", 0.4f);
        assertEquals("a cat\nSteps: 50, Sampler: DDIM, CFG scale: 7.5, Seed: 1, Size: 512x512",
                RunRecord.a1111Parameters(plain, null));
        assertTrue(RunRecord.a1111Parameters(plain.withGuidance(GuidanceMode.PWW), null)
                .endsWith(", Layout guidance: pww, PwW weight: 0.4"));
        assertTrue(RunRecord.a1111Parameters(plain.withGuidance(GuidanceMode.ZEST), null)
                .endsWith(", Layout guidance: zest, ZestGuide eta: 0.3, ZestGuide tau: 0.5, ZestGuide layers: 16"));
        for (String[] name : new String[][] {{"pndm", "PLMS"}, {"euler", "Euler"}, {"ddim", "DDIM"}})
            assertTrue(RunRecord.a1111Parameters(new GenerationSettings("x", "", 64, 64, 5, 7.5f, name[0], 0f, 1L, 1, GuidanceMode.NONE,
                    0.3f, 0.5f, null, "sqrt", 0.4f), null).contains("Sampler: " + name[1] + ","), name[0]);
    }
}
