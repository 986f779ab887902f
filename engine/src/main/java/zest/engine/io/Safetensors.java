package zest.engine.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import zest.engine.DType;
import zest.engine.Storage;
import zest.engine.Tensor;

/** Writing safetensors files (reading: {@link SafetensorsFile}). */
public final class Safetensors {
    private Safetensors() {}

    /**
     * Writes {@code tensors} (in the map's order, header and data alike) to {@code file}, atomically: the bytes go to a
     * temporary file in the same directory, which is fsynced and then renamed over {@code file}, so {@code file} is
     * either left as it was or holds the complete new content (never a partial file). Readers that have the old file
     * mapped keep seeing the old content.
     *
     * @param metadata  the {@code __metadata__} entries (null or empty: none)
     * @param storeAs   null keeps each tensor's dtype; F32, F16 or BF16 converts the floating tensors (integer tensors
     *                  keep their dtype). Conversions to F16 and BF16 round to nearest, ties to even.
     * @throws SafetensorsException on bad arguments (reserved or null names, a non-floating {@code storeAs}) or an I/O
     *                              failure (the cause)
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType storeAs) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        if (storeAs != null && !storeAs.isFloating())
            throw new SafetensorsException(file, null, "storeAs must be F32, F16, BF16 or null, not " + storeAs);

        // ------------------------------------------------ layout and header
        record Planned(String name, Tensor tensor, DType dtype, long begin, long end) {}
        List<Planned> plan = new ArrayList<>(tensors.size());
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null) throw new SafetensorsException(file, null, "a tensor name is null");
            if (name.equals(SafetensorsFile.METADATA_KEY))
                throw new SafetensorsException(file, name, "the name __metadata__ is reserved for the metadata");
            if (t == null) throw new SafetensorsException(file, name, "tensor is null");
            DType dtype = storeAs != null && t.dtype().isFloating() ? storeAs : t.dtype();
            long bytes = (long) t.numel() * dtype.byteSize();
            plan.add(new Planned(name, t, dtype, offset, offset + bytes));
            offset += bytes;
        }

        ObjectNode root = SafetensorsJson.MAPPER.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafetensorsFile.METADATA_KEY);
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null)
                    throw new SafetensorsException(file, null, "metadata key or value is null: " + e.getKey() + " = " + e.getValue());
                m.put(e.getKey(), e.getValue());
            }
        }
        for (Planned p : plan) {
            ObjectNode entry = root.putObject(p.name);
            entry.put("dtype", p.dtype.safetensorsName());
            ArrayNode shape = entry.putArray("shape");
            for (int s : p.tensor.shape()) shape.add(s);
            ArrayNode offsets = entry.putArray("data_offsets");
            offsets.add(p.begin);
            offsets.add(p.end);
        }
        byte[] json;
        try {
            json = SafetensorsJson.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, null, "cannot encode the header: " + e.getOriginalMessage(), e);
        }
        // Like the reference implementation: pad with spaces so the data area starts 8-byte aligned.
        int padded = (json.length + 7) & ~7;
        if (padded > SafetensorsJson.MAX_HEADER_BYTES)
            throw new SafetensorsException(file, null, "header would be " + padded + " bytes, over the limit of "
                    + SafetensorsJson.MAX_HEADER_BYTES);
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');

        // ------------------------------------------------ temp file, fsync, atomic rename
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                Sink out = new Sink(ch);
                out.putLong(padded);
                out.put(header);
                for (Planned p : plan) writeData(out, file, p.name, p.tensor, p.dtype);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new SafetensorsException(file, null, "the file system cannot rename atomically", e);
            }
            moved = true;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new SafetensorsException(file, null, "cannot write the file: " + e, e);
        } finally {
            if (!moved) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort */ }
            }
        }
    }

    /** Writes {@code tensors} with no metadata, keeping each tensor's dtype. */
    public static void write(Path file, Map<String, Tensor> tensors) { write(file, tensors, null, null); }

    private static void writeData(Sink out, Path file, String name, Tensor t, DType dtype) throws IOException {
        int n = t.numel();
        if (n == 0) return;
        Storage st = t.storage();
        boolean contiguous = t.isContiguous();
        if (contiguous && st instanceof Storage.Segment seg && seg.dtype() == dtype) {
            long size = dtype.byteSize();
            out.put(seg.segment().asSlice(t.offset() * size, n * size));
            return;
        }
        if (dtype == DType.I64 || dtype == DType.I32) {
            long[] v = t.toLongArray();
            for (long x : v) {
                if (dtype == DType.I64) out.putLong(x);
                else {
                    if (x != (int) x) throw new SafetensorsException(file, name, "value " + x + " does not fit I32");
                    out.putInt((int) x);
                }
            }
            return;
        }
        float[] gathered = contiguous ? null : t.floats();
        int base = t.offset();
        for (int i = 0; i < n; i++) {
            float f = contiguous ? st.getFloat(base + i) : gathered[i];
            switch (dtype) {
                case F32 -> out.putInt(Float.floatToRawIntBits(f));
                case F16 -> out.putShort(Float.floatToFloat16(f));
                case BF16 -> out.putShort(toBFloat16(f));
                default -> throw new AssertionError(dtype);
            }
        }
    }

    /** float → bfloat16 bits, round to nearest, ties to even (NaN stays a quiet NaN of the same sign). */
    static short toBFloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not possible on every platform; the rename itself is atomic either way
        }
    }

    /** A little-endian buffered writer over a channel. */
    private static final class Sink {
        private static final int CHUNK = 1 << 20;
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);

        Sink(FileChannel ch) { this.ch = ch; }

        void putLong(long v) throws IOException { room(8); buf.putLong(v); }

        void putInt(int v) throws IOException { room(4); buf.putInt(v); }

        void putShort(short v) throws IOException { room(2); buf.putShort(v); }

        void put(byte[] b) throws IOException {
            for (int at = 0; at < b.length; ) {
                room(1);
                int k = Math.min(buf.remaining(), b.length - at);
                buf.put(b, at, k);
                at += k;
            }
        }

        /** Copies any segment (mapped, native or heap of any element type) through the buffer. */
        void put(MemorySegment s) throws IOException {
            long size = s.byteSize();
            for (long at = 0; at < size; ) {
                room(1);
                int k = (int) Math.min(buf.remaining(), size - at);
                MemorySegment.copy(s, at, MemorySegment.ofBuffer(buf), 0, k);
                buf.position(buf.position() + k);
                at += k;
            }
        }

        private void room(int bytes) throws IOException {
            if (buf.remaining() < bytes) flush();
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            buf.clear();
        }
    }
}
