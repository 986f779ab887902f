package zest.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-made malformed files: each is rejected whole with a SafetensorsException whose message says what is wrong. */
class SafetensorsMalformedTest {
    @TempDir Path dir;

    /** 8-byte little-endian length, then the given bytes. */
    static byte[] withLength(long n, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(rest);
        return b.array();
    }

    /** A file with the given header text (its real length) followed by {@code dataBytes} zero bytes. */
    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(withLength(h.length, h));
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    Path put(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    /** Opening fails with a message naming the file (and the tensor, if given) and containing every fragment. */
    SafetensorsException rejects(String name, byte[] content, String tensor, String... fragments) throws IOException {
        Path p = put(name, content);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p), name);
        String m = e.getMessage();
        assertTrue(m.contains(name), "message names the file: " + m);
        assertEquals(p, e.file());
        if (tensor != null) {
            assertTrue(m.contains("'" + tensor + "'"), "message names tensor " + tensor + ": " + m);
            assertEquals(tensor, e.tensor());
        }
        for (String f : fragments) assertTrue(m.contains(f), "message contains '" + f + "': " + m);
        return e;
    }

    static String entry(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    // ------------------------------------------------------------------ framing

    @Test
    void framing() throws IOException {
        rejects("empty.st", new byte[0], null, "0 bytes long", "too short");
        rejects("seven.st", new byte[7], null, "7 bytes long");
        rejects("past-eof.st", withLength(100, "{}".getBytes(StandardCharsets.UTF_8)), null,
                "header length 100 runs past the end of the file (10 bytes");
        rejects("near-2^64.st", withLength(0xFFFFFFFFFFFFFFF8L, "{}".getBytes(StandardCharsets.UTF_8)), null,
                "header length 18446744073709551608 exceeds the limit");
        rejects("negative-as-signed.st", withLength(-1, new byte[16]), null, "18446744073709551615", "exceeds the limit");
        rejects("over-100MB.st", withLength(100_000_001L, new byte[16]), null, "100000001 exceeds the limit of 100000000");
        rejects("zero-header.st", withLength(0, new byte[4]), null, "header is empty");
        rejects("blank-header.st", file("        ", 0), null, "header is empty");
    }

    // ------------------------------------------------------------------ JSON level

    @Test
    void badJson() throws IOException {
        rejects("truncated-json.st", file("{\"a\":", 0), null, "header is not valid JSON");
        rejects("garbage.st", file("hello", 0), null, "header is not valid JSON");
        rejects("trailing.st", file("{} {}", 0), null, "header is not valid JSON");
        rejects("single-quotes.st", file("{'a':1}", 0), null, "header is not valid JSON");
        rejects("duplicate-key.st", file("{" + entry("t", "F32", "[1]", "[0,4]") + "," + entry("t", "F32", "[1]", "[4,8]") + "}", 8),
                null, "not valid JSON", "Duplicate");
        byte[] badUtf8 = withLength(8, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'});
        rejects("bad-utf8.st", badUtf8, null, "not valid UTF-8", "offset 2");
        byte[] overlong = withLength(8, new byte[] {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'});
        rejects("overlong-utf8.st", overlong, null, "not valid UTF-8");
    }

    @Test
    void nonObjectHeaders() throws IOException {
        rejects("array.st", file("[1,2]", 0), null, "header is a JSON array, not an object");
        rejects("number.st", file("42", 0), null, "header is a JSON number, not an object");
        rejects("string.st", file("\"x\"", 0), null, "header is a JSON string, not an object");
        rejects("null.st", file("null", 0), null, "not an object");
    }

    @Test
    void parserLimits() throws IOException {
        String deep = "{\"__metadata__\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        rejects("deep.st", file(deep, 0), null, "exceeds a parser limit", "nesting depth");
        String deepObjects = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        rejects("deep-objects.st", file(deepObjects, 0), null, "exceeds a parser limit", "nesting depth");
        rejects("long-number.st", file("{" + entry("t", "F32", "[" + "9".repeat(60) + "]", "[0,4]") + "}", 4), null,
                "exceeds a parser limit", "Number value length");
        rejects("long-name.st", file("{\"" + "n".repeat(70_000) + "\":{}}", 0), null, "exceeds a parser limit", "Name length");
        String huge = "{\"__metadata__\":{\"k\":\"" + "x".repeat(SafetensorsJson.MAX_STRING_LENGTH + 10) + "\"}}";
        rejects("huge-string.st", file(huge, 0), null, "exceeds a parser limit", "String value length");
    }

    // ------------------------------------------------------------------ entries

    @Test
    void entryStructure() throws IOException {
        rejects("entry-number.st", file("{\"t\":5}", 0), "t", "entry is a JSON number, not an object");
        rejects("no-dtype.st", file("{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "t", "no dtype");
        rejects("no-shape.st", file("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "t", "no shape");
        rejects("no-offsets.st", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "t", "no data_offsets");
        rejects("dtype-number.st", file("{\"t\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "t", "dtype is a JSON number");
        rejects("meta-array.st", file("{\"__metadata__\":[\"a\"]}", 0), null, "__metadata__ is a JSON array");
        rejects("meta-number-value.st", file("{\"__metadata__\":{\"epoch\":3}}", 0), null,
                "__metadata__ value of key 'epoch' is a JSON number, not a string");
        rejects("meta-nested.st", file("{\"__metadata__\":{\"cfg\":{\"a\":\"b\"}}}", 0), null, "'cfg' is a JSON object");
    }

    @Test
    void dtypes() throws IOException {
        rejects("unknown-dtype.st", file("{" + entry("w", "X99", "[1]", "[0,4]") + "}", 4), "w", "unknown dtype 'X99'");
        rejects("lowercase-dtype.st", file("{" + entry("w", "f32", "[1]", "[0,4]") + "}", 4), "w", "unknown dtype 'f32'");
        rejects("f64.st", file("{" + entry("w", "F64", "[1]", "[0,8]") + "}", 8), "w", "unsupported dtype F64 of tensor w");
        rejects("u8.st", file("{" + entry("img", "U8", "[4]", "[0,4]") + "}", 4), "img", "unsupported dtype U8 of tensor img");
        rejects("bool.st", file("{" + entry("mask", "BOOL", "[4]", "[0,4]") + "}", 4), "mask", "unsupported dtype BOOL");
        // one bad tensor rejects the whole file, even after good ones
        rejects("mixed.st", file("{" + entry("ok", "F32", "[1]", "[0,4]") + "," + entry("bad", "F64", "[1]", "[4,12]") + "}", 12),
                "bad", "unsupported dtype F64");
    }

    @Test
    void shapes() throws IOException {
        rejects("shape-object.st", file("{" + entry("t", "F32", "{}", "[0,4]") + "}", 4), "t", "shape is a JSON object");
        rejects("negative-dim.st", file("{" + entry("t", "F32", "[-1]", "[0,4]") + "}", 4), "t", "shape holds -1, outside");
        rejects("fraction-dim.st", file("{" + entry("t", "F32", "[1.5]", "[0,4]") + "}", 4), "t", "shape holds 1.5, not an integer");
        rejects("string-dim.st", file("{" + entry("t", "F32", "[\"1\"]", "[0,4]") + "}", 4), "t", "not an integer");
        rejects("null-dim.st", file("{" + entry("t", "F32", "[null]", "[0,4]") + "}", 4), "t", "not an integer");
        rejects("huge-dim.st", file("{" + entry("t", "F32", "[3000000000]", "[0,4]") + "}", 4), "t",
                "dimension 0 is 3000000000, larger than 2147483647");
        rejects("overflow.st", file("{" + entry("t", "F32", "[2147483647,2147483647,2147483647]", "[0,4]") + "}", 4), "t",
                "overflows a 64-bit byte count");
        rejects("overflow-bytes.st", file("{" + entry("t", "I64", "[2147483647,2147483647,4]", "[0,4]") + "}", 4), "t",
                "overflows");
    }

    @Test
    void offsets() throws IOException {
        rejects("offsets-negative.st", file("{" + entry("t", "F32", "[1]", "[-4,0]") + "}", 4), "t", "data_offsets holds -4, outside");
        rejects("offsets-beyond-u64.st", file("{" + entry("t", "F32", "[1]", "[0,18446744073709551620]") + "}", 4), "t",
                "data_offsets holds 18446744073709551620, outside");
        rejects("offsets-u64-max.st", file("{" + entry("t", "F32", "[1]", "[18446744073709551611,18446744073709551615]") + "}", 4),
                "t", "outside");
        rejects("offsets-float.st", file("{" + entry("t", "F32", "[1]", "[0,4.0]") + "}", 4), "t", "not an integer");
        rejects("offsets-three.st", file("{" + entry("t", "F32", "[1]", "[0,4,8]") + "}", 8), "t", "must be an array [begin, end]");
        rejects("offsets-one.st", file("{" + entry("t", "F32", "[1]", "[4]") + "}", 8), "t", "must be an array [begin, end]");
        rejects("offsets-object.st", file("{" + entry("t", "F32", "[1]", "{}") + "}", 8), "t", "must be an array [begin, end]");
        rejects("offsets-reversed.st", file("{" + entry("t", "F32", "[1]", "[8,4]") + "}", 8), "t", "[8, 4] end before they begin");
        rejects("offsets-past-data.st", file("{" + entry("t", "F32", "[2]", "[0,8]") + "}", 7), "t",
                "reach past the data area of 7 bytes");
        rejects("offsets-far.st", file("{" + entry("t", "F32", "[1]", "[9223372036854775800,9223372036854775804]") + "}", 8), "t",
                "reach past the data area");
        rejects("size-mismatch.st", file("{" + entry("t", "F32", "[2]", "[0,4]") + "}", 8), "t",
                "hold 4 bytes but F32 [2] needs 8");
        rejects("size-mismatch-f16.st", file("{" + entry("h", "F16", "[3,2]", "[0,24]") + "}", 24), "h",
                "hold 24 bytes but F16 [3, 2] needs 12");
        rejects("empty-with-bytes.st", file("{" + entry("e", "F32", "[0]", "[0,4]") + "}", 4), "e", "needs 0");
    }

    @Test
    void overlaps() throws IOException {
        rejects("overlap.st", file("{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("b", "F32", "[2]", "[4,12]") + "}", 12),
                "b", "overlaps tensor 'a'");
        rejects("same-range.st", file("{" + entry("a", "F32", "[1]", "[0,4]") + "," + entry("b", "I32", "[1]", "[0,4]") + "}", 4),
                null, "overlaps");
        rejects("inside.st", file("{" + entry("big", "F32", "[4]", "[0,16]") + "," + entry("small", "F32", "[1]", "[8,12]") + "}", 16),
                "small", "overlaps tensor 'big'");
        // a tensor contained in an earlier one that is not the immediately preceding one
        rejects("nested.st", file("{" + entry("a", "F32", "[8]", "[0,32]") + "," + entry("b", "F32", "[1]", "[4,8]") + ","
                + entry("c", "F32", "[1]", "[16,20]") + "}", 32), null, "overlaps tensor 'a'");
    }

    // ------------------------------------------------------------------ what is accepted

    @Test
    void acceptedVariations() throws IOException {
        // gaps in the data area, unsorted offsets, padding, extra fields, empty tensors sharing an offset
        String h = "  {" + entry("b", "F32", "[1]", "[12,16]") + "," + entry("a", "I32", "[1]", "[0,4]") + ","
                + entry("e", "F32", "[0]", "[4,4]") + "," + entry("e2", "BF16", "[2,0]", "[4,4]") + ","
                + "\"x\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[16,18],\"extra\":[1,{\"y\":2}]},"
                + "\"__metadata__\":{}}      ";
        Path p = put("ok.st", file(h, 20));
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(List.of("b", "a", "e", "e2", "x"), f.names());
        assertEquals(0f, f.tensor("b").item());
        assertArrayEquals(new int[0], f.tensor("x").shape());
        assertEquals(0, f.tensor("e2").numel());
        assertTrue(f.metadata().isEmpty());
        // exactly at the limits of the header length
        Path q = put("exact.st", withLength(2, "{}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(), SafetensorsFile.open(q).names());
    }

    @Test
    void directoriesAndMissingFilesAreReportedAsSuch() throws IOException {
        Path missing = dir.resolve("missing.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(missing));
        assertTrue(e.getMessage().contains("missing.safetensors"), e.getMessage());
        assertTrue(e.getCause() instanceof IOException);
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(sub));
    }
}
