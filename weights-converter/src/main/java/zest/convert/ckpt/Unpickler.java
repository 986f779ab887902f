package zest.convert.ckpt;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import zest.engine.Tensor;

/**
 * A restricted unpickler for protocols 2–5 that builds plain data only: None, bools, ints (Long, BigInteger past 64
 * bits), floats (Double), str, bytes (byte[]), lists, tuples ({@link PickleTuple}), dicts (LinkedHashMap, insertion
 * order kept), sets, and whatever the {@link Resolver} allows for globals and persistent ids (torch storages and
 * the tensors rebuilt from them). A global the resolver refuses stops the load at its GLOBAL opcode, before any
 * REDUCE could call it.
 *
 * <p>It is a loop over the opcodes with an explicit stack (no recursion, so nesting depth cannot overflow the Java
 * stack); every length is checked against the bytes left before anything is allocated; memo indices go into a hash
 * map (a huge index allocates nothing); the mark depth is capped. Malformed input gives a {@link CheckpointException}
 * naming the byte offset and opcode.
 */
final class Unpickler {
    /** What the pickle's globals and persistent ids resolve to; both refuse by throwing {@link CheckpointException}. */
    interface Resolver {
        /** GLOBAL / STACK_GLOBAL {@code module name}: an allowed value, or a refusal. */
        Object global(String module, String name);

        /** BINPERSID: the object a persistent id stands for (a torch storage record). */
        Object persistentLoad(Object pid);
    }

    static final int HIGHEST_PROTOCOL = 5;
    /** Nesting of MARK-delimited groups; a state dict needs 3 or 4. */
    static final int MAX_MARK_DEPTH = 1000;
    /** An int wider than this is no tensor size or step count. */
    static final int MAX_LONG_BYTES = 1024;
    private static final int MAX_LINE = 1024;
    /**
     * Container items the allowed callables may be handed, per pickle byte: BINGET of one big list and REDUCE take 3
     * bytes, so without a budget a small pickle could make OrderedDict or set copy it a million times.
     */
    private static final long WORK_PER_BYTE = 16;

    private final String where;
    private final byte[] data;
    private final Resolver resolver;
    private int pos, opStart, op;
    private ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<ArrayList<Object>> metastack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final long workBudget;
    private long work;

    private Unpickler(String where, byte[] data, Resolver resolver) {
        this.where = where;
        this.data = data;
        this.resolver = resolver;
        this.workBudget = WORK_PER_BYTE * data.length + (1 << 16);
    }

    /**
     * Unpickles {@code data} ({@code where} names it in messages, e.g. {@code "model.ckpt: archive/data.pkl"}) and
     * returns the object the STOP opcode finds on the stack.
     */
    static Object load(String where, byte[] data, Resolver resolver) {
        return new Unpickler(where, data, resolver).run();
    }

    private Object run() {
        while (true) {
            if (pos >= data.length)
                throw new CheckpointException(where + ": the pickle ends at byte " + pos + " without its STOP opcode (truncated?)");
            opStart = pos;
            op = data[pos++] & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int p = u8();
                    if (p > HIGHEST_PROTOCOL) throw fail("pickle protocol " + p + " is newer than the highest known (" + HIGHEST_PROTOCOL + ")");
                }
                case 0x95 -> { // FRAME: a length prefix for buffering; we hold the whole stream already
                    long n = u64();
                    if (n > data.length - pos) throw fail("a frame of " + Long.toUnsignedString(n) + " bytes runs past the end of the pickle (truncated?)");
                }
                case '.' -> { // STOP
                    if (!metastack.isEmpty()) throw fail("STOP inside an unclosed MARK");
                    return pop();
                }
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) i32()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) u16()); // BININT2
                case 0x8a -> push(longFrom(u8())); // LONG1
                case 0x8b -> { // LONG4
                    int n = i32();
                    if (n < 0 || n > MAX_LONG_BYTES) throw fail("an int of " + n + " bytes, beyond what a checkpoint holds");
                    push(longFrom(n));
                }
                case 'G' -> push(Double.longBitsToDouble(bigEndianLong())); // BINFLOAT
                case 'X' -> push(utf8(u32())); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(u64())); // BINUNICODE8
                case 'T' -> { // BINSTRING (Python 2 str; torch.load decodes it as UTF-8)
                    int n = i32();
                    if (n < 0) throw fail("negative string length " + n);
                    push(utf8(n));
                }
                case 'U' -> push(utf8(u8())); // SHORT_BINSTRING
                case 'B' -> push(bytes(u32())); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(bytes(u64())); // BINBYTES8, BYTEARRAY8
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ')' -> push(PickleTuple.EMPTY); // EMPTY_TUPLE
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case '(' -> { // MARK
                    if (metastack.size() >= MAX_MARK_DEPTH) throw fail("nesting deeper than " + MAX_MARK_DEPTH + " levels");
                    metastack.add(stack);
                    stack = new ArrayList<>();
                }
                case 't' -> push(new PickleTuple(popMark())); // TUPLE
                case 0x85 -> push(PickleTuple.of(pop())); // TUPLE1
                case 0x86 -> { Object b = pop(), a = pop(); push(PickleTuple.of(a, b)); } // TUPLE2
                case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(PickleTuple.of(a, b, c)); } // TUPLE3
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 'd' -> { // DICT
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putAll(m, popMark());
                    push(m);
                }
                case 0x91 -> { // FROZENSET
                    Set<Object> s = new LinkedHashSet<>();
                    for (Object o : popMark()) s.add(hashable(o));
                    push(s);
                }
                case 'a' -> { Object v = pop(); list(peek()).add(v); } // APPEND
                case 'e' -> { List<Object> items = popMark(); list(peek()).addAll(items); } // APPENDS
                case 's' -> { // SETITEM
                    Object v = pop(), k = pop();
                    dict(peek()).put(hashable(k), v);
                }
                case 'u' -> { List<Object> items = popMark(); putAll(dict(peek()), items); } // SETITEMS
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    Set<Object> s = set(peek());
                    for (Object o : items) s.add(hashable(o));
                }
                case '0' -> { if (!stack.isEmpty()) pop(); else popMark(); } // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put(u32(), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'c' -> { // GLOBAL: "module\nname\n"
                    String module = line(), name = line();
                    push(resolver.global(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n))
                        throw fail("STACK_GLOBAL needs two str, got " + PickleValues.kind(module) + " and " + PickleValues.kind(name));
                    push(resolver.global(m, n));
                }
                case 'R' -> { // REDUCE: f(*args)
                    Object args = pop(), f = pop();
                    PickleCallable c = callable(f, "REDUCE");
                    push(invoke(c, tuple(args, c), false));
                }
                case 0x81 -> { // NEWOBJ: cls.__new__(cls, *args)
                    Object args = pop(), cls = pop();
                    PickleCallable c = callable(cls, "NEWOBJ");
                    push(invoke(c, tuple(args, c), true));
                }
                case 0x92 -> { // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
                    Object kwargs = pop(), args = pop(), cls = pop();
                    PickleCallable c = callable(cls, "NEWOBJ_EX");
                    if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty())
                        throw fail("NEWOBJ_EX of " + c.pythonName() + " with keyword arguments (" + PickleValues.describe(kwargs) + ")");
                    push(invoke(c, tuple(args, c), true));
                }
                case 'b' -> { // BUILD: inst.__setstate__(state)
                    Object state = pop(), inst = peek();
                    // the state of a dict (torch's OrderedDict _metadata) or tensor is plain data we have no use for;
                    // any other object would need a __setstate__, which is code
                    if (!(inst instanceof Map || inst instanceof Tensor || inst instanceof Set))
                        throw fail("BUILD (setting the state of an object) on a " + PickleValues.kind(inst)
                                + ", which a tensor checkpoint never does");
                    if (state instanceof PickleCallable sc)
                        throw fail("BUILD with " + sc.pythonName() + " as the state");
                }
                case 'Q' -> push(resolver.persistentLoad(pop())); // BINPERSID
                case 'P' -> throw fail("opcode PERSID (a protocol 0 text persistent id) is not supported: torch.save writes BINPERSID");
                case 'i', 'o' -> throw fail("opcode " + (op == 'i' ? "INST" : "OBJ")
                        + " (instantiating a class, protocol 0/1) is refused: a tensor checkpoint never needs it");
                case 0x82, 0x83, 0x84 -> throw fail("opcode EXT" + (op == 0x82 ? 1 : op == 0x83 ? 2 : 4)
                        + " (the copyreg extension registry) is refused: it names arbitrary globals");
                case 0x97, 0x98 -> throw fail("out-of-band buffers (protocol 5 " + (op == 0x97 ? "NEXT_BUFFER" : "READONLY_BUFFER")
                        + ") are not supported: torch.save never writes them");
                case 'I', 'L', 'F', 'S', 'V', 'p', 'g' -> throw fail("protocol 0 text opcode '" + (char) op
                        + "' is not supported (torch.save writes protocol 2)");
                default -> throw fail(String.format("unknown pickle opcode 0x%02x (file damaged?)", op));
            }
        }
    }

    // ---------------------------------------------------------------- stack

    private void push(Object o) { stack.add(o); }

    private Object pop() {
        if (stack.isEmpty()) throw fail(metastack.isEmpty() ? "stack underflow" : "stack underflow (an item was expected after MARK)");
        return stack.removeLast();
    }

    private Object peek() {
        if (stack.isEmpty()) throw fail("stack underflow");
        return stack.getLast();
    }

    private List<Object> popMark() {
        if (metastack.isEmpty()) throw fail("no MARK to pop to");
        List<Object> items = stack;
        stack = metastack.removeLast();
        return items;
    }

    private Object memoGet(long index) {
        Object v = memo.get(index);
        if (v == null && !memo.containsKey(index)) throw fail("memo index " + index + " was never stored");
        return v;
    }

    // ---------------------------------------------------------------- containers

    private void putAll(Map<Object, Object> m, List<Object> kv) {
        if (kv.size() % 2 != 0) throw fail("an odd number of items (" + kv.size() + ") for a dict's keys and values");
        for (int i = 0; i < kv.size(); i += 2) m.put(hashable(kv.get(i)), kv.get(i + 1));
    }

    private Object hashable(Object key) {
        if (!PickleValues.isHashable(key))
            throw fail("a " + PickleValues.kind(key) + " as a dict key or set item, which a tensor checkpoint never has");
        return key;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw fail("appending to a " + PickleValues.kind(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw fail("setting items of a " + PickleValues.kind(o) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object o) {
        if (o instanceof LinkedHashSet<?> s) return (Set<Object>) s;
        throw fail("adding items to a " + PickleValues.kind(o) + ", not a set");
    }

    private PickleCallable callable(Object f, String opName) {
        if (f instanceof PickleCallable c) return c;
        throw fail(opName + " on a " + PickleValues.kind(f) + ": only the allowed torch and container globals can be called");
    }

    private PickleTuple tuple(Object args, PickleCallable c) {
        if (args instanceof PickleTuple t) return t;
        throw fail(c.pythonName() + " called with a " + PickleValues.kind(args) + " instead of an argument tuple");
    }

    private Object invoke(PickleCallable c, PickleTuple args, boolean construct) {
        for (Object a : args.items()) {
            if (a instanceof java.util.Collection<?> col) work += col.size();
            else if (a instanceof Map<?, ?> m) work += m.size();
        }
        if (work > workBudget)
            throw fail("the pickle hands its calls far more data than its " + data.length + " bytes explain (crafted?)");
        try {
            return construct ? c.construct(args) : c.call(args);
        } catch (CheckpointException e) {
            throw fail(e.getMessage());
        }
    }

    // ---------------------------------------------------------------- reading

    private void need(long n) {
        if (n < 0 || n > data.length - pos)
            throw fail("needs " + (n < 0 ? Long.toUnsignedString(n) : n) + " more bytes, only " + (data.length - pos)
                    + " are left (truncated?)");
    }

    private int u8() { need(1); return data[pos++] & 0xFF; }

    private int u16() { need(2); int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8; pos += 2; return v; }

    private int i32() {
        need(4);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16 | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long u32() { return Integer.toUnsignedLong(i32()); }

    /** An unsigned 64-bit length: a value past 2^63 reads as negative and fails {@link #need}. */
    private long u64() {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | (data[pos + i] & 0xFF);
        pos += 8;
        return v;
    }

    private long bigEndianLong() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | (data[pos + i] & 0xFF);
        pos += 8;
        return v;
    }

    private byte[] bytes(long n) {
        need(n);
        byte[] b = java.util.Arrays.copyOfRange(data, pos, pos + (int) n);
        pos += (int) n;
        return b;
    }

    private String utf8(long n) {
        need(n);
        String s = new String(data, pos, (int) n, StandardCharsets.UTF_8);
        pos += (int) n;
        return s;
    }

    /** Little-endian two's complement, as LONG1/LONG4 store it; a Long when it fits. */
    private Object longFrom(int n) {
        need(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = data[pos + n - 1 - i];
        pos += n;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    /** A newline-terminated ASCII line (GLOBAL's module and name). */
    private String line() {
        int start = pos;
        while (pos < data.length && pos - start <= MAX_LINE) {
            if (data[pos] == '\n') {
                String s = new String(data, start, pos - start, StandardCharsets.UTF_8);
                pos++;
                return s;
            }
            pos++;
        }
        throw fail(pos >= data.length ? "GLOBAL's name runs to the end of the pickle (truncated?)"
                : "GLOBAL's name is longer than " + MAX_LINE + " bytes");
    }

    private CheckpointException fail(String message) {
        return new CheckpointException(where + ": at byte " + opStart + " (" + opName() + "): " + message);
    }

    private String opName() {
        String name = op < OPCODE_NAMES.length ? OPCODE_NAMES[op] : null;
        return name != null ? name : String.format("opcode 0x%02x", op);
    }

    private static final String[] OPCODE_NAMES = new String[0x99];

    static {
        String[] pairs = {"(", "MARK", ".", "STOP", "0", "POP", "1", "POP_MARK", "2", "DUP", "F", "FLOAT", "I", "INT",
                "J", "BININT", "K", "BININT1", "L", "LONG", "M", "BININT2", "N", "NONE", "P", "PERSID", "Q", "BINPERSID",
                "R", "REDUCE", "S", "STRING", "T", "BINSTRING", "U", "SHORT_BINSTRING", "V", "UNICODE", "X", "BINUNICODE",
                "a", "APPEND", "b", "BUILD", "c", "GLOBAL", "d", "DICT", "}", "EMPTY_DICT", "e", "APPENDS", "g", "GET",
                "h", "BINGET", "i", "INST", "j", "LONG_BINGET", "l", "LIST", "]", "EMPTY_LIST", "o", "OBJ", "p", "PUT",
                "q", "BINPUT", "r", "LONG_BINPUT", "s", "SETITEM", "t", "TUPLE", ")", "EMPTY_TUPLE", "u", "SETITEMS",
                "G", "BINFLOAT", "B", "BINBYTES", "C", "SHORT_BINBYTES"};
        for (int i = 0; i < pairs.length; i += 2) OPCODE_NAMES[pairs[i].charAt(0)] = pairs[i + 1];
        String[] high = {"PROTO", "NEWOBJ", "EXT1", "EXT2", "EXT4", "TUPLE1", "TUPLE2", "TUPLE3", "NEWTRUE", "NEWFALSE",
                "LONG1", "LONG4", "SHORT_BINUNICODE", "BINUNICODE8", "BINBYTES8", "EMPTY_SET", "ADDITEMS", "FROZENSET",
                "NEWOBJ_EX", "STACK_GLOBAL", "MEMOIZE", "FRAME", "BYTEARRAY8", "NEXT_BUFFER", "READONLY_BUFFER"};
        for (int i = 0; i < high.length; i++) OPCODE_NAMES[0x80 + i] = high[i];
    }
}
