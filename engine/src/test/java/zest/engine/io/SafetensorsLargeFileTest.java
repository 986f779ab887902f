package zest.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.engine.DType;

/** Offsets beyond 2^31 and 2^32 (a sparse file of about 5 GB: holes cost no disk space). */
class SafetensorsLargeFileTest {
    @TempDir Path dir;

    @Test
    void tensorsBeyondFourGigabytes() throws IOException {
        long far = 5_000_000_000L, mid = 2_500_000_000L;
        String json = "{\"small\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"mid\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[" + mid + "," + (mid + 4) + "]},"
                + "\"far\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + far + "," + (far + 8) + "]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int n = (h.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + n + 8).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(n).put(h);
        while (head.position() < 8 + n) head.put((byte) ' ');
        head.putLong(42).flip();
        Path p = dir.resolve("big.safetensors");
        long dataStart = 8 + n;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(head, 0);
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(-7.5f).flip(), dataStart + mid);
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.25f).putFloat(3e38f).flip(), dataStart + far);
        }
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(List.of("small", "mid", "far"), f.names());
        assertEquals(far, f.info("far").begin());
        assertEquals(DType.F32, f.tensor("far").dtype());
        assertArrayEquals(new float[] {1.25f, 3e38f}, f.tensor("far").toFloatArray());
        assertEquals(-7.5f, f.tensor("mid").item());
        assertArrayEquals(new long[] {42}, f.tensor("small").toLongArray());
    }
}
