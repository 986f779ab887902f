package zest.engine.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import zest.engine.DType;
import zest.engine.Tensor;

/**
 * A memory-mapped, validated safetensors file. {@link #open} maps the whole file (any size: offsets are longs and the
 * data stays in a {@link MemorySegment}), checks the header completely, and rejects a malformed or unsupported file as
 * a whole with a {@link SafetensorsException}. {@link #tensor} then returns zero-copy tensors over the mapping in their
 * stored dtype.
 *
 * <p>The mapping belongs to an automatic arena: it stays valid while this object or any tensor made from it is
 * reachable, and is released by the garbage collector afterwards. {@link #close()} is therefore a no-op.
 *
 * <p>Format: 8 bytes little-endian unsigned header length N, N bytes of UTF-8 JSON (an object mapping tensor names to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} plus an optional {@code "__metadata__"} string-to-string
 * object), then the data area; offsets are relative to the data area.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    static final String METADATA_KEY = "__metadata__";

    /** Dtypes the safetensors format defines that the engine cannot hold. */
    private static final Set<String> UNSUPPORTED_DTYPES = Set.of("F64", "C64", "BOOL", "U8", "I8", "I16", "U16", "U32",
            "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4");

    private final Path path;
    private final MemorySegment data;
    private final long headerLength;
    private final Map<String, TensorInfo> infos;
    private final List<String> names;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, MemorySegment data, long headerLength, Header header) {
        this.path = path;
        this.data = data;
        this.headerLength = headerLength;
        this.infos = header.infos;
        this.names = List.copyOf(header.infos.keySet());
        this.metadata = Collections.unmodifiableMap(header.metadata);
    }

    /** Maps and validates {@code path}; a malformed, unsupported or unreadable file gives a {@link SafetensorsException}. */
    public static SafetensorsFile open(Path path) {
        Objects.requireNonNull(path, "path");
        MemorySegment whole;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8)
                throw new SafetensorsException(path, null, "file is " + size + " bytes long, too short to hold the 8-byte header length");
            whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SafetensorsException(path, null, "file not found", e);
        } catch (IOException e) {
            throw new SafetensorsException(path, null, "cannot read the file: " + e, e);
        }
        long size = whole.byteSize();
        long n = whole.get(U64_LE, 0);
        if (Long.compareUnsigned(n, SafetensorsJson.MAX_HEADER_BYTES) > 0)
            throw new SafetensorsException(path, null, "header length " + Long.toUnsignedString(n)
                    + " exceeds the limit of " + SafetensorsJson.MAX_HEADER_BYTES + " bytes");
        if (n > size - 8)
            throw new SafetensorsException(path, null, "header length " + n + " runs past the end of the file ("
                    + size + " bytes, so at most " + (size - 8) + " bytes of header)");
        byte[] headerBytes = whole.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        MemorySegment data = whole.asSlice(8 + n);
        Header header = parseHeader(path, headerBytes, data.byteSize());
        return new SafetensorsFile(path, data, n, header);
    }

    public Path path() { return path; }

    /** Tensor names in header order. */
    public List<String> names() { return names; }

    /** The {@code __metadata__} entries (empty if the file has none), in header order. */
    public Map<String, String> metadata() { return metadata; }

    /** Number of tensors. */
    public int size() { return infos.size(); }

    /** Length of the JSON header in bytes (the data area starts at byte 8 + this). */
    public long headerLength() { return headerLength; }

    public boolean contains(String name) { return infos.containsKey(name); }

    /** The header entry of {@code name}. */
    public TensorInfo info(String name) {
        TensorInfo i = infos.get(name);
        if (i == null) throw missing(name);
        return i;
    }

    /** A zero-copy tensor over the mapped data, in the stored dtype. */
    public Tensor tensor(String name) {
        TensorInfo i = info(name);
        long n = i.numel();
        if (n > Integer.MAX_VALUE - 8)
            throw new SafetensorsException(path, name, "has " + n + " elements, more than one engine tensor can hold");
        return Tensor.ofSegment(data.asSlice(i.begin(), i.byteSize()), i.dtype(), i.shape());
    }

    /** All tensors (zero-copy) in header order. */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : names) out.put(name, tensor(name));
        return out;
    }

    /** Does nothing: the mapping lives as long as this object or a tensor made from it is reachable. */
    @Override public void close() {}

    @Override public String toString() {
        return "SafetensorsFile[" + path + ", " + infos.size() + " tensors, " + data.byteSize() + " data bytes]";
    }

    private SafetensorsException missing(String name) {
        return new SafetensorsException(path, name, "no such tensor (the file holds " + infos.size() + " tensors)");
    }

    // ---------------------------------------------------------------- header validation

    record Header(LinkedHashMap<String, TensorInfo> infos, LinkedHashMap<String, String> metadata) {}

    /** Parses and fully validates a header against a data area of {@code dataSize} bytes. */
    static Header parseHeader(Path path, byte[] bytes, long dataSize) {
        String text = decodeUtf8(path, bytes);
        JsonNode root;
        try {
            root = SafetensorsJson.MAPPER.readTree(text);
        } catch (StreamConstraintsException e) {
            throw new SafetensorsException(path, null, "header JSON exceeds a parser limit: " + e.getOriginalMessage(), e);
        } catch (JacksonException e) {
            throw new SafetensorsException(path, null, "header is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (at character " + e.getLocation().getCharOffset() + ")" : ""), e);
        }
        if (root == null || root.isMissingNode())
            throw new SafetensorsException(path, null, "header is empty");
        if (!root.isObject())
            throw new SafetensorsException(path, null, "header is a JSON " + kind(root) + ", not an object");

        LinkedHashMap<String, TensorInfo> infos = new LinkedHashMap<>();
        LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject())
                    throw new SafetensorsException(path, null, "__metadata__ is a JSON " + kind(v) + ", not an object of strings");
                for (Map.Entry<String, JsonNode> m : v.properties()) {
                    if (!m.getValue().isTextual())
                        throw new SafetensorsException(path, null, "__metadata__ value of key '"
                                + SafetensorsException.abbreviate(m.getKey()) + "' is a JSON " + kind(m.getValue()) + ", not a string");
                    metadata.put(m.getKey(), m.getValue().textValue());
                }
            } else {
                infos.put(name, parseEntry(path, name, v, dataSize));
            }
        }
        checkOverlaps(path, infos.values());
        return new Header(infos, metadata);
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode v, long dataSize) {
        if (!v.isObject()) throw new SafetensorsException(path, name, "entry is a JSON " + kind(v) + ", not an object");
        JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
        if (dt == null) throw new SafetensorsException(path, name, "entry has no dtype");
        if (sh == null) throw new SafetensorsException(path, name, "entry has no shape");
        if (off == null) throw new SafetensorsException(path, name, "entry has no data_offsets");
        if (!dt.isTextual()) throw new SafetensorsException(path, name, "dtype is a JSON " + kind(dt) + ", not a string");
        DType dtype = dtype(path, name, dt.textValue());

        if (!sh.isArray()) throw new SafetensorsException(path, name, "shape is a JSON " + kind(sh) + ", not an array");
        int[] shape = new int[sh.size()];
        long numel = 1;
        for (int d = 0; d < shape.length; d++) {
            long s = nonNegative(path, name, "shape", sh.get(d));
            if (s > Integer.MAX_VALUE)
                throw new SafetensorsException(path, name, "shape dimension " + d + " is " + s + ", larger than " + Integer.MAX_VALUE);
            shape[d] = (int) s;
        }
        long bytes;
        try {
            for (int s : shape) numel = Math.multiplyExact(numel, s);
            bytes = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(path, name, "shape " + Arrays.toString(shape) + " of " + dtype + " overflows a 64-bit byte count");
        }

        if (!off.isArray() || off.size() != 2)
            throw new SafetensorsException(path, name, "data_offsets must be an array [begin, end], got " + abbreviatedJson(off));
        long begin = nonNegative(path, name, "data_offsets", off.get(0));
        long end = nonNegative(path, name, "data_offsets", off.get(1));
        if (begin > end)
            throw new SafetensorsException(path, name, "data_offsets [" + begin + ", " + end + "] end before they begin");
        if (end > dataSize)
            throw new SafetensorsException(path, name, "data_offsets [" + begin + ", " + end + "] reach past the data area of "
                    + dataSize + " bytes (file truncated?)");
        if (end - begin != bytes)
            throw new SafetensorsException(path, name, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but " + dtype + " " + Arrays.toString(shape) + " needs " + bytes);
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static DType dtype(Path path, String name, String s) {
        for (DType d : DType.values()) if (d.safetensorsName().equals(s)) return d;
        if (UNSUPPORTED_DTYPES.contains(s))
            throw new SafetensorsException(path, name, "unsupported dtype " + s + " of tensor " + name
                    + " (supported: F32, F16, BF16, I64, I32)");
        throw new SafetensorsException(path, name, "unknown dtype '" + SafetensorsException.abbreviate(s) + "'");
    }

    private static long nonNegative(Path path, String name, String field, JsonNode n) {
        if (n == null || !n.isIntegralNumber())
            throw new SafetensorsException(path, name, field + " holds " + abbreviatedJson(n) + ", not an integer");
        if (!n.canConvertToLong() || n.longValue() < 0)
            throw new SafetensorsException(path, name, field + " holds " + abbreviatedJson(n) + ", outside 0.." + Long.MAX_VALUE);
        return n.longValue();
    }

    private static void checkOverlaps(Path path, java.util.Collection<TensorInfo> all) {
        List<TensorInfo> sorted = new ArrayList<>();
        for (TensorInfo i : all) if (i.end() > i.begin()) sorted.add(i);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo prev = null;
        for (TensorInfo i : sorted) {
            if (prev != null && i.begin() < prev.end())
                throw new SafetensorsException(path, i.name(), "data [" + i.begin() + ", " + i.end() + ") overlaps tensor '"
                        + SafetensorsException.abbreviate(prev.name()) + "' [" + prev.begin() + ", " + prev.end() + ")");
            if (prev == null || i.end() > prev.end()) prev = i;
        }
    }

    private static String decodeUtf8(Path path, byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) r = dec.flush(out);
        if (r.isError())
            throw new SafetensorsException(path, null, "header is not valid UTF-8 (bad byte at header offset " + in.position() + ")");
        return out.flip().toString();
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "array";
            case OBJECT, POJO -> "object";
            case STRING -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String abbreviatedJson(JsonNode n) {
        return n == null ? "nothing" : SafetensorsException.abbreviate(n.toString());
    }
}
