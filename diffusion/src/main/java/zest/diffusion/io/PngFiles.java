package zest.diffusion.io;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * PNG writing with text chunks (the A1111-style {@code parameters} and zest's full settings as JSON), written
 * atomically, and reading those text chunks back.
 */
public final class PngFiles {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int MAX_TEXT_CHUNK = 8 << 20;

    private PngFiles() {}

    /** Encodes 8-bit RGB pixels (row-major, 3 bytes each) with the given text chunks. */
    public static byte[] encodeRgb(byte[] rgb, int width, int height, Map<String, String> text) {
        if (rgb.length != width * height * 3) throw new IllegalArgumentException("rgb has " + rgb.length + " bytes for " + width + "x" + height);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNATURE);
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        writeInt(ihdr, width);
        writeInt(ihdr, height);
        ihdr.writeBytes(new byte[] {8, 2, 0, 0, 0}); // 8-bit, truecolor, deflate, adaptive filter, no interlace
        chunk(out, "IHDR", ihdr.toByteArray());
        for (var e : text.entrySet()) textChunk(out, e.getKey(), e.getValue());
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(raw, new Deflater(6))) {
            byte[] row = new byte[width * 3 + 1];
            for (int y = 0; y < height; y++) {
                row[0] = 0; // filter: none
                System.arraycopy(rgb, y * width * 3, row, 1, width * 3);
                z.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chunk(out, "IDAT", raw.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** Converts float RGB in [0,1] (HWC) to bytes as diffusers does: round(clamp(v)·255). */
    public static byte[] toBytes(float[] hwc) {
        byte[] b = new byte[hwc.length];
        for (int i = 0; i < hwc.length; i++) {
            float v = Math.min(1f, Math.max(0f, hwc[i]));
            b[i] = (byte) Math.round(v * 255f);
        }
        return b;
    }

    /** Writes bytes to a temp file beside the target and renames it into place; refuses to overwrite unless asked. */
    public static void writeAtomically(Path target, byte[] data, boolean overwrite) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        if (!overwrite && Files.exists(abs))
            throw new java.nio.file.FileAlreadyExistsException(abs + " exists (use --overwrite to replace it)");
        // not Files.createTempFile: that makes the file owner-only (0600) and the image would keep those permissions
        Path tmp = (dir != null ? dir : Path.of("")).resolve("." + abs.getFileName() + "." + Long.toUnsignedString(
                java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(data));
                ch.force(true);
            }
            if (overwrite) Files.move(tmp, abs, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            else Files.move(tmp, abs, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The tEXt / iTXt / zTXt chunks of a PNG file, keyword → text. */
    public static Map<String, String> readText(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(raw)) {
            byte[] sig = in.readNBytes(8);
            if (!java.util.Arrays.equals(sig, SIGNATURE)) throw new IOException(file + " is not a PNG file");
            while (true) {
                int len;
                try { len = in.readInt(); } catch (EOFException e) { break; }
                byte[] type = in.readNBytes(4);
                if (type.length < 4) break;
                String t = new String(type, StandardCharsets.ISO_8859_1);
                if (len < 0) throw new IOException(file + ": bad chunk length");
                boolean isText = t.equals("tEXt") || t.equals("iTXt") || t.equals("zTXt");
                if (isText && len > MAX_TEXT_CHUNK) throw new IOException(file + ": text chunk of " + len + " bytes is too large");
                if (isText) {
                    byte[] data = in.readNBytes(len);
                    if (data.length < len) throw new IOException(file + ": truncated " + t + " chunk");
                    parseText(t, data, out);
                } else {
                    // skip() may skip less than asked without being at the end; a file cut short in the image
                    // data still gives the text chunks before it
                    try { in.skipNBytes(len); } catch (EOFException e) { break; }
                }
                in.skipNBytes(4); // CRC
                if (t.equals("IEND")) break;
            }
        }
        return out;
    }

    private static void parseText(String type, byte[] data, Map<String, String> out) throws IOException {
        int nul = indexOf(data, 0, (byte) 0);
        if (nul < 0) return;
        String key = new String(data, 0, nul, StandardCharsets.ISO_8859_1);
        switch (type) {
            case "tEXt" -> out.put(key, new String(data, nul + 1, data.length - nul - 1, StandardCharsets.ISO_8859_1));
            case "zTXt" -> out.put(key, new String(inflate(data, nul + 2), StandardCharsets.ISO_8859_1));
            case "iTXt" -> {
                int p = nul + 1;
                boolean compressed = data[p] != 0;
                p += 2;
                int langEnd = indexOf(data, p, (byte) 0);
                int transEnd = indexOf(data, langEnd + 1, (byte) 0);
                if (langEnd < 0 || transEnd < 0) return;
                byte[] body = java.util.Arrays.copyOfRange(data, transEnd + 1, data.length);
                out.put(key, new String(compressed ? inflate(body, 0) : body, StandardCharsets.UTF_8));
            }
            default -> { }
        }
    }

    private static byte[] inflate(byte[] data, int from) throws IOException {
        try (InflaterInputStream z = new InflaterInputStream(new java.io.ByteArrayInputStream(data, from, data.length - from), new Inflater())) {
            byte[] r = z.readNBytes(MAX_TEXT_CHUNK + 1);
            if (r.length > MAX_TEXT_CHUNK) throw new IOException("compressed text chunk expands past 8 MB");
            return r;
        }
    }

    private static int indexOf(byte[] a, int from, byte b) {
        for (int i = from; i < a.length; i++) if (a[i] == b) return i;
        return -1;
    }

    private static void textChunk(ByteArrayOutputStream out, String key, String value) {
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        c.writeBytes(key.getBytes(StandardCharsets.ISO_8859_1));
        c.write(0);
        if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(value)) {
            c.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
            chunk(out, "tEXt", c.toByteArray());
        } else {
            c.writeBytes(new byte[] {0, 0, 0, 0}); // uncompressed, method, empty language, empty translated keyword
            c.writeBytes(value.getBytes(StandardCharsets.UTF_8));
            chunk(out, "iTXt", c.toByteArray());
        }
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
}
