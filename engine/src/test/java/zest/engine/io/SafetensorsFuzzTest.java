package zest.engine.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import zest.engine.Tensor;

/**
 * Damaged files (truncated, bytes flipped, JSON-significant characters injected into the header): opening and reading
 * every tensor either succeeds or throws SafetensorsException, never anything else.
 */
class SafetensorsFuzzTest {
    private static Path dir;
    private static byte[] valid;
    private static int headerEnd;

    @BeforeContainer
    static void makeValidFile() throws IOException {
        // a memory file system where there is one: each try rewrites a file, and disk writes dominate the run time
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "safetensors-fuzz")
                : Files.createTempDirectory("safetensors-fuzz");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.arange(12).reshape(3, 4));
        t.put("ids", Tensor.ofLongs(new long[] {1, 2, 3}, 3));
        t.put("s", Tensor.scalar(2f));
        t.put("e", Tensor.zeros(0, 2));
        t.put("h", SafetensorsRoundTripTest.f16(1, 2, 3, 4, 5));
        t.put("b", SafetensorsRoundTripTest.bf16(-1, 0.5f));
        t.put("i", SafetensorsRoundTripTest.i32(new int[] {7, 8}, 2, 1));
        Path p = dir.resolve("valid.safetensors");
        Map<String, String> meta = new LinkedHashMap<>(); // fixed order: the same bytes on every run
        meta.put("format", "pt");
        meta.put("k", "v");
        Safetensors.write(p, t, meta, null);
        valid = Files.readAllBytes(p);
        headerEnd = (int) (8 + SafetensorsFile.open(p).headerLength());
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    /** Opens and reads everything; SafetensorsException is an accepted outcome, any other throwable fails the property. */
    static void openAndReadAll(byte[] content) throws IOException {
        Statistics.collect(outcome(content));
    }

    private static String outcome(byte[] content) throws IOException {
        // one path, rewritten for every try (mappings of earlier tries are never touched again)
        Path p = dir.resolve("fuzz.safetensors");
        Files.write(p, content);
        try {
            SafetensorsFile f = SafetensorsFile.open(p);
            f.metadata().forEach((k, v) -> { });
            for (String name : f.names()) {
                f.info(name);
                Tensor t = f.tensor(name);
                if (t.dtype().isFloating()) t.toFloatArray();
                else t.toLongArray();
            }
            f.tensors();
            return "read";
        } catch (SafetensorsException expected) {
            return "rejected"; // a clean rejection
        }
    }

    @Example
    void theUndamagedFileReads() throws IOException {
        org.junit.jupiter.api.Assertions.assertEquals("read", outcome(valid));
    }

    @Property(tries = 100)
    void truncations(@ForAll @IntRange(min = 0, max = 100_000) int cut) throws IOException {
        int len = cut % (valid.length + 1);
        openAndReadAll(java.util.Arrays.copyOf(valid, len));
    }

    @Property(tries = 160)
    void byteFlips(@ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = 1_000_000) Integer> positions,
                   @ForAll @IntRange(min = 1, max = 255) int xor,
                   @ForAll boolean headerOnly) throws IOException {
        byte[] b = valid.clone();
        // either the framing and header (mostly rejected) or the data area (always readable, other values)
        int from = headerOnly ? 0 : headerEnd, span = headerOnly ? headerEnd : b.length - headerEnd;
        for (int pos : positions) b[from + pos % span] ^= (byte) (xor + pos);
        openAndReadAll(b);
    }

    @Property(tries = 120)
    void jsonCharactersInjectedIntoTheHeader(
            @ForAll @Size(min = 1, max = 3) List<@IntRange(min = 0, max = 1_000_000) Integer> positions,
            @ForAll @Size(min = 3, max = 3) List<@IntRange(min = 0, max = 15) Integer> chars) throws IOException {
        byte[] alphabet = "{}[]\",:-09e. 1\\".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] b = valid.clone();
        for (int i = 0; i < positions.size(); i++) b[8 + positions.get(i) % (headerEnd - 8)] = alphabet[chars.get(i % 3) % alphabet.length];
        openAndReadAll(b);
    }

    @Property(tries = 50)
    void headerLengthRewritten(@ForAll long n, @ForAll @IntRange(min = 0, max = 64) int delta, @ForAll boolean small) throws IOException {
        byte[] b = valid.clone();
        long len = small ? headerEnd - 8 + delta - 32 : n;
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, len);
        openAndReadAll(b);
    }
}
