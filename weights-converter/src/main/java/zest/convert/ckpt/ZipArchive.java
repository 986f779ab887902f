package zest.convert.ckpt;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A zip file read through its central directory, over one read-only memory mapping of the whole file (zip64
 * included: real SD checkpoints are over 4 GiB). We read the directory ourselves rather than use java.util.zip
 * because we need each entry's data offset, to hand stored entries out as zero-copy slices of the mapping.
 *
 * <p>Every offset and size read from the file is checked against the file before it is used, so a damaged or
 * crafted archive gives a {@link CheckpointException}, never an out-of-bounds access or a huge allocation.
 */
final class ZipArchive {
    /** One central-directory record; sizes and offset already widened from their zip64 extra field. */
    record Entry(String name, int method, int flags, int crc, long compressedSize, long size, long localHeaderOffset) {
        boolean stored() { return method == 0; }
    }

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int EOCD_SIG = 0x06054b50, ZIP64_LOCATOR_SIG = 0x07064b50, ZIP64_EOCD_SIG = 0x06064b50;
    private static final int CENTRAL_SIG = 0x02014b50, LOCAL_SIG = 0x04034b50;
    private static final int EOCD_SIZE = 22, CENTRAL_SIZE = 46, LOCAL_SIZE = 30, ZIP64_LOCATOR_SIZE = 20, ZIP64_EOCD_SIZE = 56;
    private static final long U32_MAX = 0xFFFF_FFFFL;

    private final String label;
    private final MemorySegment file;
    private final long centralDirectoryStart;
    private final Map<String, Entry> entries;

    private ZipArchive(String label, MemorySegment file, long centralDirectoryStart, Map<String, Entry> entries) {
        this.label = label;
        this.file = file;
        this.centralDirectoryStart = centralDirectoryStart;
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** Maps {@code path} (valid while this archive or a slice of it is reachable) and reads its central directory. */
    static ZipArchive open(Path path) {
        MemorySegment whole;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read the file: " + e, e);
        }
        return of(path.toString(), whole);
    }

    /** Reads the central directory of the zip held in {@code file}; {@code label} names it in messages. */
    static ZipArchive of(String label, MemorySegment file) {
        long size = file.byteSize();
        long eocd = findEndOfCentralDirectory(label, file);
        if (u16(file, eocd + 4) != 0 || u16(file, eocd + 6) != 0)
            throw new CheckpointException(label + ": a multi-volume zip archive, which a checkpoint never is");
        long count = u16(file, eocd + 10), cdSize = u32(file, eocd + 12), cdOffset = u32(file, eocd + 16);
        long directoryEnd = eocd;
        long locator = eocd - ZIP64_LOCATOR_SIZE;
        if (locator >= 0 && file.get(U32, locator) == ZIP64_LOCATOR_SIG) {
            long z = file.get(U64, locator + 8);
            if (z < 0 || z > locator - ZIP64_EOCD_SIZE || file.get(U32, z) != ZIP64_EOCD_SIG)
                throw new CheckpointException(label + ": broken zip64 end-of-central-directory record (file damaged?)");
            count = file.get(U64, z + 32);
            cdSize = file.get(U64, z + 40);
            cdOffset = file.get(U64, z + 48);
            directoryEnd = z;
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > directoryEnd || cdSize > directoryEnd - cdOffset)
            throw new CheckpointException(label + ": the zip central directory (" + Long.toUnsignedString(cdSize) + " bytes at "
                    + Long.toUnsignedString(cdOffset) + ") lies outside the " + size + "-byte file (truncated or damaged?)");
        if (count < 0 || count > cdSize / CENTRAL_SIZE)
            throw new CheckpointException(label + ": the zip directory claims " + Long.toUnsignedString(count)
                    + " entries, more than its " + cdSize + " bytes can hold (file damaged?)");
        Map<String, Entry> entries = new LinkedHashMap<>();
        long p = cdOffset, end = cdOffset + cdSize;
        for (long i = 0; i < count; i++) {
            Entry e = readCentralRecord(label, file, p, end);
            if (entries.put(e.name(), e) != null)
                throw new CheckpointException(label + ": the zip holds two entries named '" + e.name() + "' (file damaged or crafted)");
            p += CENTRAL_SIZE + u16(file, p + 28) + u16(file, p + 30) + u16(file, p + 32);
        }
        return new ZipArchive(label, file, cdOffset, entries);
    }

    String label() { return label; }

    /** Entries by name, in central-directory order. */
    Map<String, Entry> entries() { return entries; }

    /** The entry named {@code name}, or null. */
    Entry entry(String name) { return entries.get(name); }

    /**
     * The entry's uncompressed bytes: a zero-copy slice of the mapping for a stored entry, an inflated heap copy
     * (bounded by its declared size) for a deflated one.
     */
    MemorySegment data(Entry e) {
        MemorySegment raw = rawData(e);
        return switch (e.method()) {
            case 0 -> {
                if (e.compressedSize() != e.size())
                    throw new CheckpointException(label + ": zip entry " + e.name() + " is stored uncompressed, yet its sizes differ ("
                            + e.compressedSize() + " and " + e.size() + " bytes; file damaged?)");
                yield raw;
            }
            case 8 -> MemorySegment.ofArray(Inflation.inflate(label + ": zip entry " + e.name(), raw, e.size()));
            default -> throw new CheckpointException(label + ": zip entry " + e.name() + " uses compression method " + e.method()
                    + "; only stored (0) and deflate (8) are supported");
        };
    }

    /** A small entry's bytes as a heap copy, checked against its CRC-32 (used for data.pkl and the marker files). */
    byte[] checkedBytes(Entry e, long limit) {
        if (e.size() > limit)
            throw new CheckpointException(label + ": zip entry " + e.name() + " is " + e.size() + " bytes, more than the "
                    + limit + " expected of it (file damaged?)");
        byte[] bytes = data(e).toArray(ValueLayout.JAVA_BYTE);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        if ((int) crc.getValue() != e.crc())
            throw new CheckpointException(label + ": zip entry " + e.name() + " fails its CRC-32 check (file damaged?)");
        return bytes;
    }

    /** The entry's bytes as stored (compressed or not), located through its local header. */
    private MemorySegment rawData(Entry e) {
        long h = e.localHeaderOffset();
        if (h < 0 || h > centralDirectoryStart - LOCAL_SIZE || file.get(U32, h) != LOCAL_SIG)
            throw new CheckpointException(label + ": zip entry " + e.name() + " has no local header at offset "
                    + Long.toUnsignedString(h) + " (file damaged?)");
        int nameLength = u16(file, h + 26), extraLength = u16(file, h + 28);
        long start = h + LOCAL_SIZE + nameLength + extraLength;
        if (start > centralDirectoryStart || e.compressedSize() < 0 || e.compressedSize() > centralDirectoryStart - start)
            throw new CheckpointException(label + ": zip entry " + e.name() + " (" + Long.toUnsignedString(e.compressedSize())
                    + " bytes at offset " + start + ") runs past the data area (file truncated or damaged?)");
        String localName = new String(file.asSlice(h + LOCAL_SIZE, nameLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        if (!localName.equals(e.name()))
            throw new CheckpointException(label + ": zip entry " + e.name() + " has a local header named '" + localName
                    + "' (file damaged or crafted)");
        return file.asSlice(start, e.compressedSize());
    }

    private static long findEndOfCentralDirectory(String label, MemorySegment file) {
        long size = file.byteSize();
        if (size >= 4 && file.get(U32, 0) != LOCAL_SIG) {
            // the pre-1.6 torch.save format is a bare pickle stream: say so rather than "not a zip"
            if ((file.get(ValueLayout.JAVA_BYTE, 0) & 0xFF) == 0x80)
                throw new CheckpointException(label + ": a legacy torch.save file (PyTorch before 1.6, a bare pickle stream), "
                        + "not a zip checkpoint; re-save it with a current PyTorch or convert it to .safetensors");
            if (size >= 9 && file.get(U64, 0) > 0 && file.get(U64, 0) < size && file.get(ValueLayout.JAVA_BYTE, 8) == '{')
                throw new CheckpointException(label + ": this is a safetensors file, not a PyTorch .ckpt; rename it to .safetensors");
        }
        long lowest = Math.max(0, size - EOCD_SIZE - 0xFFFF);
        for (long p = size - EOCD_SIZE; p >= lowest; p--)
            if (file.get(U32, p) == EOCD_SIG && p + EOCD_SIZE + u16(file, p + 20) <= size) return p;
        throw new CheckpointException(label + ": not a complete zip archive (no end-of-central-directory record): "
                + (size >= 4 && file.get(U32, 0) == LOCAL_SIG ? "the file is truncated or damaged" : "not a PyTorch zip checkpoint"));
    }

    private static Entry readCentralRecord(String label, MemorySegment file, long p, long end) {
        if (p > end - CENTRAL_SIZE || file.get(U32, p) != CENTRAL_SIG)
            throw new CheckpointException(label + ": broken zip central directory at offset " + p + " (file damaged?)");
        int flags = u16(file, p + 8), method = u16(file, p + 10);
        int crc = file.get(U32, p + 16);
        long compressed = u32(file, p + 20), size = u32(file, p + 24);
        int nameLength = u16(file, p + 28), extraLength = u16(file, p + 30), commentLength = u16(file, p + 32);
        long local = u32(file, p + 42);
        if (p + CENTRAL_SIZE + nameLength + extraLength + commentLength > end)
            throw new CheckpointException(label + ": broken zip central directory at offset " + p + " (file damaged?)");
        String name = new String(file.asSlice(p + CENTRAL_SIZE, nameLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        if ((flags & 1) != 0) throw new CheckpointException(label + ": zip entry " + name + " is encrypted");
        // zip64: the fields saturated at 0xFFFFFFFF are in the 0x0001 extra field, in this order
        long x = p + CENTRAL_SIZE + nameLength, xEnd = x + extraLength;
        while (x + 4 <= xEnd) {
            int id = u16(file, x), len = u16(file, x + 2);
            long at = x + 4, fieldEnd = at + len;
            if (fieldEnd > xEnd) break;
            if (id == 1) {
                if (size == U32_MAX) { size = zip64Field(label, name, file, at, fieldEnd); at += 8; }
                if (compressed == U32_MAX) { compressed = zip64Field(label, name, file, at, fieldEnd); at += 8; }
                if (local == U32_MAX) local = zip64Field(label, name, file, at, fieldEnd);
            }
            x = fieldEnd;
        }
        return new Entry(name, method, flags, crc, compressed, size, local);
    }

    private static long zip64Field(String label, String name, MemorySegment file, long at, long fieldEnd) {
        if (at + 8 > fieldEnd) throw new CheckpointException(label + ": zip entry " + name + " has a short zip64 extra field");
        long v = file.get(U64, at);
        if (v < 0) throw new CheckpointException(label + ": zip entry " + name + " has a zip64 size or offset beyond 2^63");
        return v;
    }

    private static int u16(MemorySegment s, long at) { return Short.toUnsignedInt(s.get(U16, at)); }

    private static long u32(MemorySegment s, long at) { return Integer.toUnsignedLong(s.get(U32, at)); }
}
