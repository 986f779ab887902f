package zest.diffusion.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PNG encoding (checked against javax.imageio), text chunks, atomic writes. */
class PngFilesTest {
    @TempDir Path dir;

    private static byte[] randomRgb(int w, int h, long seed) {
        byte[] rgb = new byte[w * h * 3];
        new Random(seed).nextBytes(rgb);
        return rgb;
    }

    private static void assertDecodesTo(byte[] png, byte[] rgb, int w, int h) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(w, img.getWidth());
        assertEquals(h, img.getHeight());
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                int expected = (rgb[o] & 255) << 16 | (rgb[o + 1] & 255) << 8 | (rgb[o + 2] & 255);
                assertEquals(expected, img.getRGB(x, y) & 0xFFFFFF, "pixel " + x + "," + y);
            }
    }

    @Test
    void imageioDecodesTheSamePixels() throws IOException {
        byte[] rgb = randomRgb(37, 19, 1);
        assertDecodesTo(PngFiles.encodeRgb(rgb, 37, 19, Map.of("parameters", "hello")), rgb, 37, 19);
    }

    @Property(tries = 15)
    void anySizeRoundTripsThroughImageio(@ForAll @IntRange(min = 1, max = 40) int w, @ForAll @IntRange(min = 1, max = 40) int h,
                                         @ForAll long seed) throws IOException {
        byte[] rgb = randomRgb(w, h, seed);
        assertDecodesTo(PngFiles.encodeRgb(rgb, w, h, Map.of()), rgb, w, h);
    }

    @Test
    void wrongPixelCountIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> PngFiles.encodeRgb(new byte[10], 2, 2, Map.of()));
    }

    @Test
    void toBytesRoundsAndClamps() {
        assertArrayEquals(new byte[] {0, 0, (byte) 128, (byte) 255, (byte) 255, 1},
                PngFiles.toBytes(new float[] {-0.5f, 0f, 0.5f, 1f, 3f, 0.5f / 255 + 1e-4f}));
    }

    @Test
    void textChunksRoundTrip() throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("parameters", "a café in Zürich\nSteps: 10, Seed: 1");
        text.put("zest", "{\"prompt\":\"une pomme rouge 🍎\"}");
        text.put("Comment", "");
        byte[] png = PngFiles.encodeRgb(randomRgb(4, 3, 2), 4, 3, text);
        String raw = new String(png, StandardCharsets.ISO_8859_1);
        assertTrue(raw.contains("tEXtparameters\0a caf\u00e9"), "Latin-1 text goes in a tEXt chunk");
        assertTrue(raw.contains("iTXtzest\0"), "non-Latin-1 text goes in an iTXt chunk");
        Path f = dir.resolve("t.png");
        Files.write(f, png);
        assertEquals(text, PngFiles.readText(f));
        // and the image is still a valid PNG for other readers
        assertDecodesTo(png, randomRgb(4, 3, 2), 4, 3);
    }

    @Property(tries = 30)
    void anyTextRoundTrips(@ForAll @StringLength(max = 200) String value) throws IOException {
        Path f = Files.createTempFile("zest-png", ".png");
        try {
            Files.write(f, PngFiles.encodeRgb(new byte[3], 1, 1, Map.of("k", value)));
            assertEquals(Map.of("k", value), PngFiles.readText(f));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** iTXt of PIL-style files: compressed flag set, a language tag and a translated keyword. */
    @Test
    void readsCompressedAndTaggedITXtAndZTXt() throws IOException {
        byte[] base = PngFiles.encodeRgb(new byte[3], 1, 1, Map.of());
        byte[] body = "une pomme rouge 🍎".getBytes(StandardCharsets.UTF_8);
        var deflated = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.DeflaterOutputStream(deflated)) { z.write(body); }
        var itxt = new java.io.ByteArrayOutputStream();
        itxt.writeBytes("title\0".getBytes(StandardCharsets.ISO_8859_1));
        itxt.writeBytes(new byte[] {1, 0});
        itxt.writeBytes("fr\0Titre\0".getBytes(StandardCharsets.UTF_8));
        itxt.writeBytes(deflated.toByteArray());
        var latin = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.DeflaterOutputStream(latin)) { z.write("déjà vu".getBytes(StandardCharsets.ISO_8859_1)); }
        var ztxt = new java.io.ByteArrayOutputStream();
        ztxt.writeBytes("Comment\0".getBytes(StandardCharsets.ISO_8859_1));
        ztxt.write(0);
        ztxt.writeBytes(latin.toByteArray());
        byte[] png = insertBeforeIend(base, chunk("iTXt", itxt.toByteArray()), chunk("zTXt", ztxt.toByteArray()));
        Path f = dir.resolve("pil.png");
        Files.write(f, png);
        assertEquals(Map.of("title", "une pomme rouge 🍎", "Comment", "déjà vu"), PngFiles.readText(f));
    }

    static byte[] chunk(String type, byte[] data) {
        var out = new java.io.ByteArrayOutputStream();
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(t);
        out.writeBytes(data);
        var crc = new java.util.zip.CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }

    static byte[] insertBeforeIend(byte[] png, byte[]... chunks) {
        int iend = png.length - 12;
        var out = new java.io.ByteArrayOutputStream();
        out.write(png, 0, iend);
        for (byte[] c : chunks) out.writeBytes(c);
        out.write(png, iend, 12);
        return out.toByteArray();
    }

    @Test
    void readTextOfANonPngIsAnIOException() throws IOException {
        Path f = dir.resolve("x.png");
        Files.writeString(f, "GIF89a not a png");
        assertThrows(IOException.class, () -> PngFiles.readText(f));
        Files.write(f, new byte[0]);
        assertThrows(IOException.class, () -> PngFiles.readText(f));
        assertThrows(IOException.class, () -> PngFiles.readText(dir.resolve("missing.png")));
    }

    @Test
    void readTextOfATruncatedTextChunkIsAnIOException() throws IOException {
        byte[] png = PngFiles.encodeRgb(new byte[3], 1, 1, Map.of("zest", "x".repeat(100)));
        Path f = dir.resolve("cut.png");
        Files.write(f, java.util.Arrays.copyOf(png, 8 + 25 + 8 + 50)); // signature, IHDR, then half the tEXt
        assertThrows(IOException.class, () -> PngFiles.readText(f));
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void writeAtomicallyRefusesToOverwriteUnlessAsked() throws IOException {
        Path f = dir.resolve("sub/out.png");
        PngFiles.writeAtomically(f, new byte[] {1, 2, 3}, false);
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f), "creates missing folders");
        assertThrows(FileAlreadyExistsException.class, () -> PngFiles.writeAtomically(f, new byte[] {9}, false));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f), "the existing file is untouched");
        PngFiles.writeAtomically(f, new byte[] {7, 7}, true);
        assertArrayEquals(new byte[] {7, 7}, Files.readAllBytes(f));
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertEquals(List.of(f.getFileName().toString()), s.map(p -> p.getFileName().toString()).toList(), "no temp file left");
        }
    }

    @Test
    void writeAtomicallyLeavesNoTempFileOnFailure() throws IOException {
        // the target is a non-empty folder: the final rename fails
        Path target = dir.resolve("taken");
        Files.createDirectories(target.resolve("inside"));
        assertThrows(IOException.class, () -> PngFiles.writeAtomically(target, new byte[] {1}, true));
        assertThrows(IOException.class, () -> PngFiles.writeAtomically(target, new byte[] {1}, false));
        assertTrue(Files.isDirectory(target.resolve("inside")));
        assertEquals(List.of(), leftovers());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("taken"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** The image gets the permissions any new file gets (umask), not a temp file's owner-only 0600. */
    @Test
    void writtenFileHasOrdinaryPermissions() throws IOException {
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) return;
        Path plain = dir.resolve("plain.bin");
        Files.write(plain, new byte[] {1});
        Path f = dir.resolve("image.png");
        PngFiles.writeAtomically(f, new byte[] {1}, false);
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
        assertEquals(expected, Files.getPosixFilePermissions(f));
        PngFiles.writeAtomically(f, new byte[] {2}, true);
        assertEquals(expected, Files.getPosixFilePermissions(f));
        assertFalse(Files.exists(dir.resolve("image.png.tmp")));
    }
}
