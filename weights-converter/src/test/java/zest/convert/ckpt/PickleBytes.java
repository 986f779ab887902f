package zest.convert.ckpt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Hand-built pickle streams for tests: opcodes with their arguments, in the byte layout pickle.py writes. */
final class PickleBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static PickleBytes proto(int protocol) { return new PickleBytes().op(0x80, protocol); }

    static PickleBytes empty() { return new PickleBytes(); }

    static byte[] hex(String hex) { return HexFormat.of().parseHex(hex); }

    /** Raw bytes: opcodes and their arguments. */
    PickleBytes op(int... bytes) {
        for (int b : bytes) out.write(b);
        return this;
    }

    PickleBytes u32(long v) {
        for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    PickleBytes u64(long v) {
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    PickleBytes raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** BINUNICODE. */
    PickleBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op('X').u32(b.length).raw(b);
    }

    /** BININT1 / BININT2 / BININT, whichever fits. */
    PickleBytes integer(long v) {
        if (v >= 0 && v < 256) return op('K', (int) v);
        if (v >= 0 && v < 65536) return op('M', (int) (v & 0xFF), (int) (v >>> 8));
        return op('J').u32(v);
    }

    /** GLOBAL 'module name'. */
    PickleBytes global(String module, String name) {
        return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A torch storage persistent id ('storage', torch.&lt;type&gt;, key, 'cpu', numel) followed by BINPERSID. */
    PickleBytes storage(String type, String key, long numel) {
        return op('(').str("storage").global("torch", type).str(key).str("cpu").integer(numel).op('t', 'Q');
    }

    /** A tuple of small ints (MARK ... TUPLE). */
    PickleBytes ints(long... v) {
        op('(');
        for (long x : v) integer(x);
        return op('t');
    }

    /**
     * {@code _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}, the way torch.save pickles a
     * tensor (the storage pid written inline).
     */
    PickleBytes tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").op('(');
        storage(storageType, key, numel).integer(offset).ints(size).ints(stride).op(0x89);
        return global("collections", "OrderedDict").op(')', 'R', 't', 'R');
    }

    byte[] bytes() { return out.toByteArray(); }

    /** The stream plus STOP. */
    byte[] stop() { return op('.').bytes(); }
}
