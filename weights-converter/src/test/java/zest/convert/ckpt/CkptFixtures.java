package zest.convert.ckpt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/** The fixture checkpoints under /ckpt in the test resources, and little-endian byte helpers. */
final class CkptFixtures {
    private CkptFixtures() {}

    static Path resource(String name) {
        try {
            return Path.of(CkptFixtures.class.getResource("/ckpt/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One entry of a fixture zip, read with java.util.zip (an independent reader). */
    static byte[] entry(Path zip, String name) {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry(name)).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ByteBuffer le(int bytes) { return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN); }

    static byte[] floats(float... v) {
        ByteBuffer b = le(4 * v.length);
        for (float f : v) b.putFloat(f);
        return b.array();
    }
}
