package zest.diffusion.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Color-map and per-segment-mask layouts: snapping, background, and every way a layout can be unusable. */
class LayoutReaderTest {
    @TempDir Path dir;

    private Path png(String name, BufferedImage img) throws IOException {
        Path p = dir.resolve(name);
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    private Path json(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    /** 16×8: left half red, right half blue, the top row black (background); one anti-aliased reddish pixel. */
    private BufferedImage colorMap() {
        BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 16; x++) img.setRGB(x, y, y == 0 ? 0x000000 : x < 8 ? 0xFF0000 : 0x0000FF);
        img.setRGB(7, 4, 0xF01008); // anti-aliased edge: within 24 of red per channel
        img.setRGB(8, 5, 0x1010E8); // within 24 of blue
        return img;
    }

    @Test
    void colorMapSnapsAntiAliasedColorsAndSkipsBackground() throws IOException {
        Path map = png("map.png", colorMap());
        Path labels = json("labels.json", "{\"#ff0000\": \"red apple\", \"#0000FF\": \"blue cup\", \"#000000\": \"\"}");
        Layout layout = LayoutReader.fromColorMap(map, labels);
        assertEquals(16, layout.width());
        assertEquals(8, layout.height());
        assertEquals(List.of("red apple", "blue cup"), layout.texts(), "the background color gives no segment");
        float[] red = layout.segments().get(0).mask(), blue = layout.segments().get(1).mask();
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 16; x++) {
                float r = y > 0 && x < 8 ? 1f : 0f, b = y > 0 && x >= 8 ? 1f : 0f;
                assertEquals(r, red[y * 16 + x], "red at " + x + "," + y);
                assertEquals(b, blue[y * 16 + x], "blue at " + x + "," + y);
            }
    }

    @Test
    void nullLabelIsBackgroundToo() throws IOException {
        Path map = png("map.png", colorMap());
        Layout layout = LayoutReader.fromColorMap(map, json("l.json", "{\"#ff0000\": \"red\", \"#0000ff\": null, \"#000000\": null}"));
        assertEquals(List.of("red"), layout.texts());
    }

    @Test
    void unknownColorIsNamedWithItsPixelCount() throws IOException {
        BufferedImage img = colorMap();
        img.setRGB(1, 1, 0x00FF00);
        img.setRGB(2, 1, 0x00FF00);
        img.setRGB(3, 1, 0x00FF00);
        img.setRGB(12, 2, 0x808080);
        Path map = png("map.png", img);
        var e = assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(map,
                json("l.json", "{\"#ff0000\": \"red\", \"#0000ff\": \"blue\", \"#000000\": \"\"}")));
        assertTrue(e.getMessage().contains("#00ff00 (3 px)"), e.getMessage());
        assertTrue(e.getMessage().contains("#808080 (1 px)"), e.getMessage());
        assertTrue(e.getMessage().indexOf("#00ff00") < e.getMessage().indexOf("#808080"), "most frequent first: " + e.getMessage());
    }

    @Test
    void colorJustOutsideTheToleranceIsUnknown() throws IOException {
        BufferedImage img = colorMap();
        int off = LayoutReader.COLOR_TOLERANCE + 1;
        img.setRGB(0, 3, (255 - off) << 16);
        Path map = png("map.png", img);
        var e = assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(map,
                json("l.json", "{\"#ff0000\": \"red\", \"#0000ff\": \"blue\", \"#000000\": \"\"}")));
        assertTrue(e.getMessage().contains(String.format("#%06x (1 px)", (255 - off) << 16)), e.getMessage());
    }

    @Test
    void labelledColorNotPaintedIsAnEmptyMask() throws IOException {
        Path map = png("map.png", colorMap());
        var e = assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(map,
                json("l.json", "{\"#ff0000\": \"red\", \"#0000ff\": \"blue\", \"#000000\": \"\", \"#00ff00\": \"tree\"}")));
        assertTrue(e.getMessage().contains("#00ff00") && e.getMessage().contains("tree") && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void onlyBackgroundLabelsIsAnError() throws IOException {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        Path map = png("map.png", img);
        assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(map, json("l.json", "{\"#000000\": \"\"}")));
    }

    @Test
    void malformedLabels() throws IOException {
        Path map = png("map.png", colorMap());
        for (String bad : List.of("[\"#ff0000\"]", "\"red\"", "{}", "{not json", "",
                "{\"red\": \"apple\"}", "{\"#ff00\": \"apple\"}", "{\"#gg0000\": \"apple\"}", "{\"#ff0000\": 3}",
                "{\"#ff0000\": \"a\", \"#FF0000\": \"b\"}", "{\"#ff0000\": \"a\", \"ff0000\": \"b\"}",
                "{\"#ff0000\": \"a\", \"#ff0000\": \"b\"}")) {
            Path labels = json("bad.json", bad);
            var e = assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(map, labels), bad);
            assertTrue(e.getMessage().contains("bad.json"), "names the file: " + e.getMessage());
        }
    }

    @Test
    void duplicateColorMessage() throws IOException {
        Path map = png("map.png", colorMap());
        var e = assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(map,
                json("l.json", "{\"#ff0000\": \"a\", \"#0000ff\": \"b\", \"#FF0000\": \"c\"}")));
        assertTrue(e.getMessage().contains("#FF0000") && e.getMessage().contains("twice"), e.getMessage());
        var e2 = assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(map,
                json("l2.json", "{\"#ff0000\": \"a\", \"#0000ff\": \"b\", \"#ff0000\": \"c\"}")));
        assertTrue(e2.getMessage().contains("#ff0000"), e2.getMessage());
    }

    @Test
    void notAPng() throws IOException {
        Path fake = dir.resolve("fake.png");
        Files.writeString(fake, "this is not an image at all");
        Path labels = json("l.json", "{\"#ff0000\": \"red\"}");
        var e = assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(fake, labels));
        assertTrue(e.getMessage().contains("not a PNG"), e.getMessage());
        Path jpeg = dir.resolve("photo.png");
        ImageIO.write(colorMap(), "jpeg", jpeg.toFile());
        assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(jpeg, labels));
        assertThrows(LayoutException.class, () -> LayoutReader.fromSegmentFiles(List.of(fake + "=red")));
        assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(dir.resolve("missing.png"), labels));
        // PNG signature but nothing after it
        Path truncated = dir.resolve("truncated.png");
        Files.write(truncated, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(truncated, labels));
    }

    /** A PNG whose header declares 60000×60000 RGB (10 GB of pixels) with a tiny body: refused from the header. */
    @Test
    void hugeDeclaredDimensionsAreRefusedWithoutAllocating() throws IOException {
        Path huge = dir.resolve("huge.png");
        Files.write(huge, pngWithHeader(60000, 60000));
        Path labels = json("l.json", "{\"#ff0000\": \"red\"}");
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        var e = assertThrows(LayoutException.class, () -> LayoutReader.fromColorMap(huge, labels));
        assertTrue(e.getMessage().contains("60000x60000"), e.getMessage());
        var e2 = assertThrows(LayoutException.class, () -> LayoutReader.fromSegmentFiles(List.of(huge + "=red")));
        assertTrue(e2.getMessage().contains("larger than"), e2.getMessage());
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(after - before < 512L << 20, "allocated " + ((after - before) >> 20) + " MB");
    }

    static byte[] pngWithHeader(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        writeInt(ihdr, w);
        writeInt(ihdr, h);
        ihdr.writeBytes(new byte[] {8, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        writeInt(out, data.length);
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        writeInt(out, (int) crc.getValue());
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    // ---------------------------------------------------------------- per-segment masks

    private BufferedImage mask(int w, int h, int x0, int x1) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = x0; x < x1; x++) img.getRaster().setSample(x, y, 0, 255);
        return img;
    }

    @Test
    void segmentMasks() throws IOException {
        Path a = png("a.png", mask(8, 4, 0, 3)), b = png("b.png", mask(8, 4, 5, 8));
        Layout layout = LayoutReader.fromSegmentFiles(List.of(a + "=red apple", b + "= blue cup "));
        assertEquals(List.of("red apple", "blue cup"), layout.texts());
        float[] expected = new float[32];
        for (int y = 0; y < 4; y++) for (int x = 0; x < 3; x++) expected[y * 8 + x] = 1f;
        assertArrayEquals(expected, layout.segments().get(0).mask());
        assertEquals(3.0 / 8, layout.segments().get(1).coverage(), 1e-9);
    }

    @Test
    void transparentPixelsAreOutside() throws IOException {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) img.setRGB(x, y, x < 2 ? 0xFFFFFFFF : 0x00FFFFFF);
        Layout layout = LayoutReader.fromSegmentFiles(List.of(png("t.png", img) + "=sky"));
        assertEquals(0.5, layout.segments().get(0).coverage(), 1e-9);
    }

    @Test
    void segmentMaskSizeMismatch() throws IOException {
        Path a = png("a.png", mask(8, 4, 0, 3)), b = png("b.png", mask(8, 8, 5, 8));
        var e = assertThrows(LayoutException.class, () -> LayoutReader.fromSegmentFiles(List.of(a + "=red", b + "=blue")));
        assertTrue(e.getMessage().contains("b.png") && e.getMessage().contains("8x8") && e.getMessage().contains("8x4"), e.getMessage());
    }

    @Test
    void emptySegmentMask() throws IOException {
        Path a = png("a.png", mask(8, 4, 0, 3)), black = png("black.png", mask(8, 4, 0, 0));
        var e = assertThrows(LayoutException.class, () -> LayoutReader.fromSegmentFiles(List.of(a + "=red", black + "=blue cup")));
        assertTrue(e.getMessage().contains("blue cup") && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void badSegmentSpecs() throws IOException {
        Path a = png("a.png", mask(8, 4, 0, 3));
        assertThrows(LayoutException.class, () -> LayoutReader.fromSegmentFiles(List.of(a.toString())));
        assertThrows(LayoutException.class, () -> LayoutReader.fromSegmentFiles(List.of(a + "=")));
        assertThrows(LayoutException.class, () -> LayoutReader.fromSegmentFiles(List.of("=red")));
        assertThrows(LayoutException.class, () -> LayoutReader.fromSegmentFiles(List.of(a + "=   ")));
        assertThrows(LayoutException.class, () -> LayoutReader.fromSegmentFiles(List.of()));
    }
}
