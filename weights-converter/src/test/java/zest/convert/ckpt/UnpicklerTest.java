package zest.convert.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The restricted unpickler on hand-built streams and on streams Python's pickle module wrote. */
class UnpicklerTest {
    /** Globals from the real allow-list; persistent ids are not expected here. */
    static final Unpickler.Resolver RESOLVER = new Unpickler.Resolver() {
        @Override public Object global(String module, String name) { return TorchGlobals.resolve("test.ckpt", module, name); }

        @Override public Object persistentLoad(Object pid) { throw new CheckpointException("no storages in this test"); }
    };

    static Object load(byte[] pickle) { return Unpickler.load("test.ckpt: data.pkl", pickle, RESOLVER); }

    static CheckpointException refused(byte[] pickle) { return assertThrows(CheckpointException.class, () -> load(pickle)); }

    // pickle.dumps({'a': [1, -2, 300, 70000, -70000, 2**40, -(2**70), 2.5, 'x', 'é', b'yz', None, True, False,
    //               (1,), (1,2), (1,2,3), (1,2,3,4), ()], 'b': {1: 'one', (2, 'two'): 3.0}}, protocol=N)
    private static final String[] MIXED = {
        "80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a90eefeff8a060000000000018a090000000000000000c0"
            + "47400400000000000058010000007871035802000000c3a97104635f636f646563730a656e636f64650a71055802000000797a71065806"
            + "0000006c6174696e3171078671085271094e88894b0185710a4b014b0286710b4b014b024b0387710c284b014b024b034b0474710d2965"
            + "580100000062710e7d710f284b0158030000006f6e6571104b02580300000074776f711186711247400800000000000075752e",
        "80037d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a90eefeff8a060000000000018a090000000000000000c0"
            + "47400400000000000058010000007871035802000000c3a971044302797a71054e88894b018571064b014b028671074b014b024b038771"
            + "08284b014b024b034b047471092965580100000062710a7d710b284b0158030000006f6e65710c4b02580300000074776f710d86710e47"
            + "400800000000000075752e",
        "8004958f000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101004a90eefeff8a060000000000018a09000000000000"
            + "0000c04740040000000000008c0178948c02c3a9944302797a944e88894b0185944b014b0286944b014b024b038794284b014b024b034b"
            + "04749429658c0162947d94284b018c036f6e65944b028c0374776f94869447400800000000000075752e",
        "8005958f000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101004a90eefeff8a060000000000018a09000000000000"
            + "0000c04740040000000000008c0178948c02c3a9944302797a944e88894b0185944b014b0286944b014b024b038794284b014b024b034b"
            + "04749429658c0162947d94284b018c036f6e65944b028c0374776f94869447400800000000000075752e"};

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void plainDataFromPythonReadsAlikeInProtocols2To5(int i) {
        Map<?, ?> top = assertInstanceOf(Map.class, load(PickleBytes.hex(MIXED[i])));
        assertEquals(List.of("a", "b"), List.copyOf(top.keySet()));
        List<?> a = assertInstanceOf(List.class, top.get("a"));
        assertEquals(19, a.size());
        assertEquals(List.of(1L, -2L, 300L, 70000L, -70000L, 1L << 40), a.subList(0, 6));
        assertEquals(BigInteger.TWO.pow(70).negate(), a.get(6));
        assertEquals(2.5, a.get(7));
        assertEquals("x", a.get(8));
        assertEquals("é", a.get(9));
        assertArrayEquals("yz".getBytes(StandardCharsets.US_ASCII), (byte[]) a.get(10)); // protocol 2: via _codecs.encode
        assertNull(a.get(11));
        assertEquals(Boolean.TRUE, a.get(12));
        assertEquals(Boolean.FALSE, a.get(13));
        assertEquals(PickleTuple.of(1L), a.get(14));
        assertEquals(PickleTuple.of(1L, 2L), a.get(15));
        assertEquals(PickleTuple.of(1L, 2L, 3L), a.get(16));
        assertEquals(PickleTuple.of(1L, 2L, 3L, 4L), a.get(17));
        assertEquals(PickleTuple.EMPTY, a.get(18));
        Map<Object, Object> b = new LinkedHashMap<>();
        b.put(1L, "one");
        b.put(PickleTuple.of(2L, "two"), 3.0);
        assertEquals(b, top.get("b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // pickle.dumps([set([1,2]), frozenset(['a'])], protocol=2): builtins.set / frozenset called with a list
        "80025d710028635f5f6275696c74696e5f5f0a7365740a71015d7102284b014b0265857103527104635f5f6275696c74696e5f5f0a66726f7a656e"
            + "7365740a71055d7106580100000061710761857108527109652e",
        // protocol 4: EMPTY_SET, ADDITEMS, FROZENSET
        "80049514000000000000005d94288f94284b014b0290288c0161949194652e"})
    void setsInBothEncodings(String hex) {
        List<?> l = assertInstanceOf(List.class, load(PickleBytes.hex(hex)));
        assertEquals(Set.of(1L, 2L), l.get(0));
        assertEquals(Set.of("a"), l.get(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // collections.OrderedDict([('k', 1), ('l', [2])]), protocol 2 (GLOBAL) and 4 (STACK_GLOBAL, MEMOIZE, FRAME)
        "800263636f6c6c656374696f6e730a4f726465726564446963740a7100295271012858010000006b71024b0158010000006c71035d71044b0261752e",
        "80049533000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c016b944b018c016c945d944b0261752e"})
    void orderedDict(String hex) {
        Map<?, ?> m = assertInstanceOf(Map.class, load(PickleBytes.hex(hex)));
        assertEquals(List.of("k", "l"), List.copyOf(m.keySet()));
        assertEquals(1L, m.get("k"));
        assertEquals(List.of(2L), m.get("l"));
    }

    @Test
    void integerOpcodes() {
        assertEquals(255L, load(PickleBytes.proto(2).op('K', 255).stop()));
        assertEquals(65535L, load(PickleBytes.proto(2).op('M', 0xFF, 0xFF).stop()));
        assertEquals(-1L, load(PickleBytes.proto(2).op('J', 0xFF, 0xFF, 0xFF, 0xFF).stop()));
        assertEquals(0L, load(PickleBytes.proto(2).op(0x8a, 0).stop())); // LONG1 of no bytes
        assertEquals(-128L, load(PickleBytes.proto(2).op(0x8a, 1, 0x80).stop()));
        assertEquals(Long.MAX_VALUE, load(PickleBytes.proto(2).op(0x8a, 8).u64(Long.MAX_VALUE).stop()));
        assertEquals(BigInteger.ONE.shiftLeft(64), load(PickleBytes.proto(2).op(0x8b).u32(9).u64(0).op(1).stop())); // LONG4
        assertEquals(1.5, load(PickleBytes.proto(2).op('G', 0x3F, 0xF8, 0, 0, 0, 0, 0, 0).stop()));
    }

    @Test
    void stringAndBytesOpcodes() {
        assertEquals("hé", load(PickleBytes.proto(4).op(0x8c, 3).raw("hé".getBytes(StandardCharsets.UTF_8)).stop()));
        assertEquals("abc", load(PickleBytes.proto(4).op(0x8d).u64(3).raw("abc".getBytes(StandardCharsets.UTF_8)).stop()));
        assertEquals("py2", load(PickleBytes.proto(2).op('T').u32(3).raw("py2".getBytes(StandardCharsets.UTF_8)).stop()));
        assertEquals("s", load(PickleBytes.proto(2).op('U', 1, 's').stop()));
        assertArrayEquals(new byte[] {1, 2}, (byte[]) load(PickleBytes.proto(3).op('C', 2, 1, 2).stop()));
        assertArrayEquals(new byte[] {3}, (byte[]) load(PickleBytes.proto(3).op('B').u32(1).op(3).stop()));
        assertArrayEquals(new byte[] {4}, (byte[]) load(PickleBytes.proto(4).op(0x8e).u64(1).op(4).stop()));
        assertArrayEquals(new byte[] {5}, (byte[]) load(PickleBytes.proto(5).op(0x96).u64(1).op(5).stop()));
    }

    @Test
    void containerAndStackOpcodes() {
        // [1, 2] via MARK LIST; {'k': 1} via MARK DICT; DUP; POP; POP_MARK; APPEND; TUPLE
        Object o = load(PickleBytes.proto(2).op('(').integer(1).integer(2).op('l')
                .op('(').str("k").integer(1).op('d')
                .integer(9).op('0') // POP
                .op('(').integer(7).integer(8).op('1') // POP_MARK
                .op(']').op('2').op('a') // a list, DUP, APPEND: the list contains itself
                .op(0x87).stop());
        PickleTuple t = assertInstanceOf(PickleTuple.class, o);
        assertEquals(List.of(1L, 2L), t.get(0));
        assertEquals(Map.of("k", 1L), t.get(1));
        List<?> self = assertInstanceOf(List.class, t.get(2));
        assertSame(self, self.getFirst());
        assertEquals("list of 1 item", PickleValues.describe(self)); // describing it does not recurse
    }

    @Test
    void memoOpcodesShareObjects() {
        // [l, l, l] where l is stored by BINPUT 3, LONG_BINPUT 2^32-1 and MEMOIZE, fetched by BINGET and LONG_BINGET
        byte[] p = PickleBytes.proto(4).op(']').op('q', 3).op('r').u32(0xFFFF_FFFFL).op(0x94)
                .op('(').op('h', 3).op('j').u32(0xFFFF_FFFFL).op('j').u32(2).op('t', 0x86).stop();
        PickleTuple t = assertInstanceOf(PickleTuple.class, load(p));
        PickleTuple inner = assertInstanceOf(PickleTuple.class, t.get(1));
        assertSame(t.get(0), inner.get(0));
        assertSame(t.get(0), inner.get(1));
        assertSame(t.get(0), inner.get(2)); // MEMOIZE stores at len(memo): 2, after indices 3 and 2^32-1
    }

    @Test
    void memoAbuseIsRefused() {
        assertTrue(refused(PickleBytes.proto(2).op('h', 7).stop()).getMessage().contains("memo index 7 was never stored"));
        assertTrue(refused(PickleBytes.proto(2).op('j').u32(0xFFFF_FFFFL).stop()).getMessage().contains("4294967295 was never stored"));
        assertTrue(refused(PickleBytes.proto(2).op('q', 0).stop()).getMessage().contains("stack underflow")); // BINPUT of nothing
    }

    @Test
    void newobjBuildAndNewobjEx() {
        // OrderedDict via NEWOBJ, then BUILD with torch's _metadata state (ignored: not items of the dict)
        byte[] p = PickleBytes.proto(2).global("collections", "OrderedDict").op(')', 0x81)
                .op('(').str("w").integer(1).op('u')
                .op('}').str("_metadata").op('}', 's').op('b')
                .global("collections", "OrderedDict").op(')', '}', 0x92) // NEWOBJ_EX with no kwargs
                .op(0x86).stop();
        PickleTuple t = assertInstanceOf(PickleTuple.class, load(p));
        assertEquals(Map.of("w", 1L), t.get(0));
        assertEquals(Map.of(), t.get(1));
    }

    @Test
    void protocolAndFrame() {
        assertEquals(1L, load(PickleBytes.proto(5).op(0x95).u64(3).op('K', 1, '.').bytes()));
        assertTrue(refused(PickleBytes.proto(6).integer(1).stop()).getMessage().contains("protocol 6"));
        assertTrue(refused(PickleBytes.proto(4).op(0x95).u64(1000).integer(1).stop()).getMessage().contains("frame of 1000 bytes"));
    }

    @Test
    void everyPrefixOfAValidStreamIsACleanError() {
        byte[] full = PickleBytes.hex(MIXED[0]);
        for (int n = 0; n < full.length; n++) {
            byte[] cut = Arrays.copyOf(full, n);
            CheckpointException e = assertThrows(CheckpointException.class, () -> load(cut), "prefix of " + n);
            assertTrue(e.getMessage().startsWith("test.ckpt: data.pkl"), e.getMessage());
        }
    }

    @Test
    void lengthsPastTheEndAllocateNothing() {
        for (byte[] p : List.of(PickleBytes.proto(2).op('X').u32(0xFFFF_FFFFL).bytes(),
                PickleBytes.proto(4).op(0x8d).u64(Long.MAX_VALUE).bytes(),
                PickleBytes.proto(4).op(0x8d).u64(-1).bytes(),
                PickleBytes.proto(4).op(0x8e).u64(1L << 40).bytes(),
                PickleBytes.proto(2).op('B').u32(1 << 30).bytes(),
                PickleBytes.proto(2).op('T').u32(-5).bytes()))
            assertTrue(refused(p).getMessage().matches(".*(more bytes, only \\d+ are left|negative string length).*"), refused(p).getMessage());
        assertTrue(refused(PickleBytes.proto(2).op(0x8b).u32(1 << 20).bytes()).getMessage().contains("an int of 1048576 bytes"));
    }

    @Test
    void deepNestingIsCappedOrHandledWithoutRecursion() {
        PickleBytes marks = PickleBytes.proto(2);
        for (int i = 0; i < Unpickler.MAX_MARK_DEPTH + 1; i++) marks.op('(');
        assertTrue(refused(marks.stop()).getMessage().contains("nesting deeper than " + Unpickler.MAX_MARK_DEPTH));

        // 200 000 lists each holding the previous, built through the memo with a stack of one: no recursion anywhere
        PickleBytes chain = PickleBytes.proto(4).op(']', 0x94, '0');
        int depth = 200_000;
        for (int i = 0; i < depth; i++) chain.op(']').op('j').u32(i).op('a', 0x94, '0');
        Object top = load(chain.op('j').u32(depth).stop());
        assertEquals("list of 1 item", PickleValues.describe(top));
    }

    @Test
    void structuralMisuseIsRefused() {
        assertTrue(refused(PickleBytes.proto(2).op('}').integer(1).op('a').stop()).getMessage().contains("appending to a dict"));
        assertTrue(refused(PickleBytes.proto(2).op(']').integer(1).integer(2).op('s').stop()).getMessage().contains("setting items of a list"));
        assertTrue(refused(PickleBytes.proto(2).op('}', ']').integer(1).op('s').stop()).getMessage().contains("a list as a dict key"));
        assertTrue(refused(PickleBytes.proto(2).op('(').integer(1).op('d').stop()).getMessage().contains("odd number of items"));
        assertTrue(refused(PickleBytes.proto(2).op('t').stop()).getMessage().contains("no MARK"));
        assertTrue(refused(PickleBytes.proto(2).op('.').bytes()).getMessage().contains("stack underflow"));
        assertTrue(refused(PickleBytes.proto(2).op('(').integer(1).stop()).getMessage().contains("STOP inside an unclosed MARK"));
        assertTrue(refused(PickleBytes.proto(2).integer(1).bytes()).getMessage().contains("without its STOP"));
        assertTrue(refused(PickleBytes.proto(2).op(0xF0).stop()).getMessage().contains("unknown pickle opcode 0xf0"));
    }

    @Test
    void callingAnythingButAnAllowedGlobalIsRefused() {
        // REDUCE on a str, NEWOBJ of a function, BUILD on a list, a call with a non-tuple argument
        assertTrue(refused(PickleBytes.proto(2).str("os.system").op(')', 'R').stop()).getMessage()
                .contains("(REDUCE): REDUCE on a str: only the allowed torch and container globals can be called"));
        assertTrue(refused(PickleBytes.proto(2).global("torch._utils", "_rebuild_tensor_v2").op(')', 0x81).stop()).getMessage()
                .contains("not a class that a checkpoint instantiates with NEWOBJ"));
        assertTrue(refused(PickleBytes.proto(2).op(']', '}', 'b').stop()).getMessage().contains("BUILD (setting the state of an object) on a list"));
        assertTrue(refused(PickleBytes.proto(2).global("collections", "OrderedDict").integer(3).op('R').stop()).getMessage()
                .contains("called with a int instead of an argument tuple"));
        assertTrue(refused(PickleBytes.proto(2).global("_codecs", "encode").str("x").str("rot13").op(0x86, 'R').stop()).getMessage()
                .contains("_codecs.encode is only allowed as (str, 'latin1')"));
    }

    @ParameterizedTest
    @ValueSource(ints = {'i', 'o', 0x82, 0x83, 0x84, 'P', 0x97, 0x98, 'I', 'L', 'F', 'S', 'V', 'p', 'g'})
    void opcodesThatNameOrRunArbitraryThingsAreRefused(int opcode) {
        CheckpointException e = refused(PickleBytes.proto(2).op(opcode).stop());
        assertTrue(e.getMessage().matches(".*(refused|not supported).*"), e.getMessage());
    }

    @Test
    void callBudgetStopsAmplification() {
        // one list of 10 000 pairs handed to OrderedDict 1 000 times: 10 million items from a ~100 KB pickle
        PickleBytes p = PickleBytes.proto(2).op(']', 'q', 0, '(');
        for (int i = 0; i < 10_000; i++) p.integer(i).integer(i).op(0x86);
        p.op('e', '0', '(');
        for (int i = 0; i < 1000; i++) p.global("collections", "OrderedDict").op('h', 0, 0x85, 'R');
        assertTrue(refused(p.op('l').stop()).getMessage().contains("far more data than its"));
    }
}
