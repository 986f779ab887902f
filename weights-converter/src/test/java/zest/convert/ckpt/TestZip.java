package zest.convert.ckpt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A minimal zip writer for test checkpoints, with the knobs java.util.zip does not give: deflated or stored entries,
 * padding in the local extra field (as torch aligns its storages) and forced zip64 records (as a > 4 GiB SD
 * checkpoint has).
 */
final class TestZip {
    private record Item(String name, byte[] data, boolean deflate) {}

    private final List<Item> items = new ArrayList<>();
    private boolean zip64;
    private int localPadding;

    TestZip add(String name, byte[] data) { items.add(new Item(name, data, false)); return this; }

    TestZip addDeflated(String name, byte[] data) { items.add(new Item(name, data, true)); return this; }

    /** Write zip64 end records and central-directory extra fields even though nothing needs them. */
    TestZip zip64() { zip64 = true; return this; }

    /** Pad every local header's extra field by this many bytes. */
    TestZip localPadding(int n) { localPadding = n; return this; }

    /** A torch.save-like checkpoint: {@code <archive>/data.pkl}, byteorder, storages {@code data/<i>}, version. */
    static TestZip checkpoint(String archive, byte[] pickle, byte[]... storages) {
        TestZip z = new TestZip().add(archive + "/data.pkl", pickle).add(archive + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < storages.length; i++) z.add(archive + "/data/" + i, storages[i]);
        return z.add(archive + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream central = new ByteArrayOutputStream();
        for (Item it : items) {
            byte[] name = it.name.getBytes(StandardCharsets.UTF_8);
            byte[] stored = it.deflate ? deflate(it.data) : it.data;
            CRC32 crc = new CRC32();
            crc.update(it.data);
            long offset = out.size();
            u32(out, 0x04034b50); u16(out, 20); u16(out, 0); u16(out, it.deflate ? 8 : 0); u16(out, 0); u16(out, 0);
            u32(out, crc.getValue()); u32(out, stored.length); u32(out, it.data.length);
            u16(out, name.length); u16(out, localPadding);
            out.writeBytes(name);
            if (localPadding > 0) {
                u16(out, 0x4650); u16(out, localPadding - 4); // a private extra field, as torch pads with "FB"
                out.writeBytes(new byte[localPadding - 4]);
            }
            out.writeBytes(stored);
            u32(central, 0x02014b50); u16(central, zip64 ? 45 : 20); u16(central, zip64 ? 45 : 20); u16(central, 0);
            u16(central, it.deflate ? 8 : 0); u16(central, 0); u16(central, 0); u32(central, crc.getValue());
            u32(central, zip64 ? 0xFFFFFFFFL : stored.length); u32(central, zip64 ? 0xFFFFFFFFL : it.data.length);
            u16(central, name.length); u16(central, zip64 ? 28 : 0); u16(central, 0); u16(central, 0); u16(central, 0); u32(central, 0);
            u32(central, zip64 ? 0xFFFFFFFFL : offset);
            central.writeBytes(name);
            if (zip64) {
                u16(central, 1); u16(central, 24);
                u64(central, it.data.length); u64(central, stored.length); u64(central, offset);
            }
        }
        long cdOffset = out.size();
        out.writeBytes(central.toByteArray());
        long cdEnd = out.size();
        if (zip64) {
            u32(out, 0x06064b50); u64(out, 44); u16(out, 45); u16(out, 45); u32(out, 0); u32(out, 0);
            u64(out, items.size()); u64(out, items.size()); u64(out, central.size()); u64(out, cdOffset);
            u32(out, 0x07064b50); u32(out, 0); u64(out, cdEnd); u32(out, 1);
        }
        u32(out, 0x06054b50); u16(out, 0); u16(out, 0);
        u16(out, zip64 ? 0xFFFF : items.size()); u16(out, zip64 ? 0xFFFF : items.size());
        u32(out, zip64 ? 0xFFFFFFFFL : central.size()); u32(out, zip64 ? 0xFFFFFFFFL : cdOffset); u16(out, 0);
        return out.toByteArray();
    }

    Path write(Path file) {
        try {
            Files.write(file, bytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) out.write(buf, 0, d.deflate(buf));
        d.end();
        return out.toByteArray();
    }

    private static void u16(ByteArrayOutputStream o, int v) { o.write(v); o.write(v >>> 8); }

    private static void u32(ByteArrayOutputStream o, long v) { for (int i = 0; i < 4; i++) o.write((int) (v >>> (8 * i))); }

    private static void u64(ByteArrayOutputStream o, long v) { for (int i = 0; i < 8; i++) o.write((int) (v >>> (8 * i))); }
}
