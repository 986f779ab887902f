package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import zest.diffusion.io.RunRecord;
import zest.diffusion.layout.Layout;
import zest.diffusion.layout.LayoutReader;

/**
 * Layouts as users hand them over: a color-coded PNG plus labels JSON, or one mask PNG per segment, with wrong
 * sizes, unknown colors, empty or overlapping masks, non-PNG bytes, truncated or bit-flipped PNGs, PNG headers that
 * declare 100000×100000 pixels, and labels JSON of the wrong shape or with thousands of colors; plus the settings a
 * zest PNG carries for {@code --from}. Each is read into a layout or refused with a LayoutException naming the file,
 * quickly and without allocating what the input declares.
 */
class LayoutFuzzTest {
    static final int[] PALETTE = {0x000000, 0xff0000, 0x00ff00, 0x0000ff, 0xffff00, 0xff00ff, 0x00ffff, 0x808080};
    static Path dir;

    @BeforeContainer
    static void makeDir() throws IOException {
        dir = Robustness.scratchDir("zest-layout-fuzz");
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        Robustness.print("layout");
        Robustness.deleteTree(dir);
    }

    /** A w×h picture painted in blocks of palette colors chosen by {@code seed}; {@code stray} pixels get off-palette colors. */
    static byte[] colorMap(int w, int h, long seed, int colors, int stray) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int block = 1 + r.nextInt(16);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                long cell = (long) (y / block) * 1000 + x / block;
                img.setRGB(x, y, PALETTE[(int) Math.floorMod(cell * 2654435761L + seed, colors)]);
            }
        for (int i = 0; i < stray; i++) img.setRGB(r.nextInt(w), r.nextInt(h), r.nextInt(1 << 24));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** A PNG whose header declares w×h (as unsigned 32-bit values) over a few bytes of image data. */
    static byte[] declaredSize(long w, long h, int colorType) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt((int) w).putInt((int) h).put((byte) 8).put((byte) colorType).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(raw)) {
            z.write(new byte[64]);
        }
        chunk(out, "IDAT", raw.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        ByteBuffer len = ByteBuffer.allocate(4).putInt(data.length);
        out.writeBytes(len.array());
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    static String labels(int colors, int labelled, int unguided) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < Math.min(labelled, PALETTE.length); i++) {
            if (sb.length() > 1) sb.append(',');
            String text = i < unguided ? "" : "a thing number " + i;
            sb.append(String.format("\"#%06x\": \"%s\"", PALETTE[i], text));
        }
        return sb.append('}').toString();
    }

    static Robustness.Result colorMapCase(String kind, String what, byte[] png, String labelsJson) throws IOException {
        Path p = dir.resolve("layout.png"), l = dir.resolve("labels.json");
        Files.write(p, png);
        Files.writeString(l, labelsJson);
        String shown = labelsJson.length() > 200 ? labelsJson.substring(0, 200) + "..." : labelsJson;
        return Robustness.run("layout." + kind, what + "; labels " + shown, Duration.ofSeconds(20), () -> check(LayoutReader.fromColorMap(p, l)),
                p.toString(), l.toString());
    }

    static void check(Layout layout) {
        if (layout.segments().isEmpty()) throw new AssertionError("a layout without segments was accepted");
        for (var s : layout.segments()) {
            boolean any = false;
            for (float v : s.mask()) any |= v > 0;
            if (!any) throw new AssertionError("segment '" + s.text() + "' was accepted with an empty mask");
        }
    }

    @Example
    void aPlainLayoutReads() throws IOException {
        assertEquals("accepted", colorMapCase("examples", "64x64 4 colors", colorMap(64, 64, 1, 4, 0), labels(4, 4, 1)).outcome());
    }

    @Example
    void aHeaderDeclaring100000SquaredPixelsIsRefusedBeforeDecoding() throws IOException {
        Robustness.Result r = colorMapCase("examples", "declares 100000x100000", declaredSize(100_000, 100_000, 2), labels(2, 2, 1));
        assertEquals("rejected", r.outcome());
        assertTrue(r.message().contains("100000x100000"), r.message());
    }

    @Property(seed = Robustness.SEED, tries = 60)
    void colorMapsWithLabels(@ForAll @IntRange(min = 1, max = 96) int w, @ForAll @IntRange(min = 1, max = 96) int h,
                             @ForAll long seed, @ForAll @IntRange(min = 1, max = 8) int colors,
                             @ForAll @IntRange(min = 0, max = 8) int labelled, @ForAll @IntRange(min = 0, max = 3) int unguided,
                             @ForAll @IntRange(min = 0, max = 3) int stray, @ForAll boolean tidy) throws IOException {
        // fewer labels than painted colors: unknown colors; more: empty masks; stray pixels: off-palette colors
        if (tidy) {
            labelled = colors;
            stray = 0;
        }
        colorMapCase("color-map", w + "x" + h + " " + colors + " colors, " + labelled + " labelled, " + stray + " stray",
                colorMap(w, h, seed, colors, stray), labels(colors, labelled, unguided));
    }

    @Property(seed = Robustness.SEED, tries = 60)
    void damagedPngBytes(@ForAll @IntRange(min = 0, max = 5) int how, @ForAll @IntRange(min = 0, max = 1_000_000) int at,
                         @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = 1_000_000) Integer> flips) throws IOException {
        byte[] valid = colorMap(48, 40, at, 3, 0);
        byte[] png = switch (how) {
            case 0 -> java.util.Arrays.copyOf(valid, at % valid.length); // truncated
            case 1 -> { // bytes flipped anywhere (header, IHDR, IDAT, CRCs)
                byte[] b = valid.clone();
                for (int f : flips) b[f % b.length] ^= (byte) (1 + f % 255);
                yield b;
            }
            case 2 -> "GIF89a not a png at all".getBytes(StandardCharsets.US_ASCII);
            case 3 -> { // the PNG signature, then garbage
                byte[] b = new byte[8 + at % 4096];
                new java.util.Random(at).nextBytes(b);
                System.arraycopy(valid, 0, b, 0, 8);
                yield b;
            }
            case 4 -> { // bytes flipped in the image data only: decodes to other pixels or fails the inflate
                byte[] b = valid.clone();
                for (int f : flips) b[40 + f % (b.length - 52)] ^= (byte) (1 + f % 255);
                yield b;
            }
            default -> new byte[0];
        };
        colorMapCase("png-damaged", "damage " + how + " at " + at + " flips " + flips, png, labels(3, 3, 1));
    }

    @Property(seed = Robustness.SEED, tries = 30)
    void declaredSizes(@ForAll @IntRange(min = 0, max = 7) int wPick, @ForAll @IntRange(min = 0, max = 7) int hPick,
                       @ForAll @IntRange(min = 0, max = 3) int typePick) throws IOException {
        long[] sizes = {0, 1, 8, 4097, 100_000, 1L << 31, 0xFFFFFFFFL, 16_777_216};
        int[] types = {0, 2, 3, 6};
        colorMapCase("png-declared-size", "declares " + sizes[wPick] + "x" + sizes[hPick] + " type " + types[typePick],
                declaredSize(sizes[wPick], sizes[hPick], types[typePick]), labels(2, 2, 1));
    }

    @Property(seed = Robustness.SEED, tries = 50)
    void damagedLabels(@ForAll @IntRange(min = 0, max = 11) int how, @ForAll @IntRange(min = 0, max = 100_000) int n) throws IOException {
        String valid = labels(3, 3, 1);
        String json = switch (how) {
            case 0 -> valid.substring(0, n % valid.length()); // truncated
            case 1 -> "[\"#ff0000\", \"a cow\"]";
            case 2 -> "{\"#ff0000\": 7, \"#000000\": \"\"}";
            case 3 -> "{\"red\": \"a cow\"}";
            case 4 -> "{\"#ff0000\": \"a cow\", \"#ff0000\": \"a dog\"}";
            case 5 -> "{\"#ff0000\": \"a cow\", \"ff0000\": \"a dog\"}";
            case 6 -> "{}";
            case 7 -> "[".repeat(1000 + n % 5000);
            case 8 -> { // thousands of colors, every one with a text
                StringBuilder sb = new StringBuilder("{");
                for (int i = 0; i < 1000 + n % 60_000; i++) sb.append(i == 0 ? "" : ",").append(String.format("\"#%06x\": \"t%d\"", i * 37 % (1 << 24), i));
                yield sb.append('}').toString();
            }
            case 9 -> "{\"#ff0000\": {\"text\": \"a cow\"}}";
            case 10 -> "{\"#000000\": \"\", \"#ff0000\": null}"; // no color with a text
            default -> "\uFEFF" + valid;
        };
        colorMapCase("labels-damaged", "labels damage " + how, colorMap(32, 32, n, 3, 0), json);
    }

    @Property(seed = Robustness.SEED, tries = 40)
    void segmentMasks(@ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = 5) Integer> kinds,
                      @ForAll @IntRange(min = 8, max = 64) int w, @ForAll @IntRange(min = 8, max = 64) int h) throws IOException {
        List<String> specs = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            Path p = dir.resolve("mask" + i + ".png");
            int k = kinds.get(i);
            BufferedImage img = new BufferedImage(k == 3 ? w + 8 : w, h, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < img.getWidth(); x++) {
                    boolean inside = switch (k) {
                        case 0 -> x < w / 2;             // left half
                        case 1 -> x >= w / 4;            // overlaps the left half
                        case 2 -> false;                 // empty
                        default -> (x + y) % 3 == 0;     // sparse
                    };
                    if (inside) img.getRaster().setSample(x, y, 0, 255);
                }
            if (k == 4) Files.writeString(p, "not a png");
            else ImageIO.write(img, "png", p.toFile());
            specs.add(k == 5 ? p + "" : p + "=thing " + i); // kind 5: no "=text"
        }
        Robustness.run("layout.segment-masks", w + "x" + h + " kinds " + kinds, Duration.ofSeconds(20),
                () -> check(LayoutReader.fromSegmentFiles(specs)), "mask", "segment");
    }

    @Property(seed = Robustness.SEED, tries = 60)
    void storedRunRecords(@ForAll @IntRange(min = 0, max = 9) int how, @ForAll @IntRange(min = 0, max = 100_000) int n) {
        String json = switch (how) {
            case 0 -> "{\"format\":\"zest-run/1\",\"prompt\":\"p\",\"layout\":{\"width\":4096,\"height\":4096,\"segments\":"
                    + "[" + "{\"text\":\"t\",\"mask_rle\":\"0,16777216\"},".repeat(1 + n % 64) + "{\"text\":\"t\",\"mask_rle\":\"0,16777216\"}]}}";
            case 1 -> "{\"format\":\"zest-run/1\",\"layout\":{\"width\":" + (n - 50_000) + ",\"height\":64,\"segments\":[]}}";
            case 2 -> "{\"format\":\"zest-run/1\",\"layout\":{\"width\":8,\"height\":8,\"segments\":[{\"text\":\"t\",\"mask_rle\":\"x,y\"}]}}";
            case 3 -> "{\"format\":\"zest-run/1\",\"layout\":{\"width\":8,\"height\":8,\"segments\":[{\"text\":\"t\",\"mask_rle\":\"3,99999999999\"}]}}";
            case 4 -> "{\"format\":\"zest-run/1\",\"steps\":" + (n - 50_000) + ",\"width\":" + n + "}";
            case 5 -> "{\"format\":\"zest-run/1\",\"cfg\":\"NaN\",\"tau\":7,\"guidance\":\"bogus\"}";
            case 6 -> "{\"format\":\"zest-run/2\"}";
            case 7 -> "{\"format\":\"zest-run/1\",\"layout\":{\"width\":8,\"height\":8,\"segments\":[{\"text\":\"t\",\"mask_rle\":\"64\"}]},"
                    + "\"layers\":\"no-such-layer\"}";
            case 8 -> "[".repeat(2000 + n % 3000);
            default -> "{\"format\":\"zest-run/1\",\"layout\":{\"width\":8,\"height\":8,\"segments\":[{\"text\":\"t\",\"mask_rle\":\"0,64\"}]}}";
        };
        String shown = json.length() > 200 ? json.substring(0, 200) + "..." : json;
        Robustness.run("layout.run-record", shown, Duration.ofSeconds(20), () -> RunRecord.fromJson(json),
                "settings", "layout", "mask", "segments");
    }

    @Example
    void thousandsOfLabelledColorsAreRefusedBeforeAnyMaskIsMade() throws IOException {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < 5000; i++) sb.append(i == 0 ? "" : ",").append(String.format("\"#%06x\": \"t%d\"", i, i));
        Robustness.Result r = colorMapCase("examples", "5000 labelled colors", colorMap(64, 64, 1, 4, 0), sb.append('}').toString());
        assertEquals("rejected", r.outcome());
        assertTrue(r.message().contains("at most " + 256), r.message());
    }

    @Example
    void aStoredLayoutOf64Masks4096SquaredIsRefusedBeforeDecoding() {
        String json = "{\"format\":\"zest-run/1\",\"prompt\":\"p\",\"layout\":{\"width\":4096,\"height\":4096,\"segments\":["
                + "{\"text\":\"t\",\"mask_rle\":\"0,16777216\"},".repeat(63) + "{\"text\":\"t\",\"mask_rle\":\"0,16777216\"}]}}";
        Robustness.Result r = Robustness.run("layout.examples", "64 stored masks of 4096x4096", Duration.ofSeconds(20),
                () -> RunRecord.fromJson(json), "segments");
        assertEquals("rejected", r.outcome());
        assertTrue(r.message().contains("64 segments of 4096x4096"), r.message());
    }
}
