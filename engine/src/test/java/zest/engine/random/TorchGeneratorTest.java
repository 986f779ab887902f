package zest.engine.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;

/** Bit-exact agreement with torch 2.13's CPU generator (fixture torch-rng), plus the generator's own invariants. */
class TorchGeneratorTest {

    static Path fixture(String name) throws Exception {
        return Path.of(TorchGeneratorTest.class.getResource("/fixtures/" + name).toURI());
    }

    /** Compares bit patterns; reports the first differing element. */
    static void assertBitEqual(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        int bad = 0, first = -1;
        for (int i = 0; i < expected.length; i++)
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                if (first < 0) first = i;
                bad++;
            }
        if (bad > 0)
            fail(what + ": " + bad + " of " + expected.length + " values differ, first at " + first + ": expected "
                    + expected[first] + " got " + actual[first]);
    }

    @Test
    void everyFixtureTensorIsBitExact() throws Exception {
        SafetensorsFile f = SafetensorsFile.open(fixture("torch_rng.safetensors"));
        JsonNode cases = new ObjectMapper().readTree(f.metadata().get("cases"));
        Set<String> checked = new HashSet<>();
        List<String> report = new ArrayList<>();
        for (JsonNode c : cases) {
            String name = c.get("tensor").asText();
            long seed = c.get("seed").asLong();
            int[] shape = new int[c.get("shape").size()];
            for (int d = 0; d < shape.length; d++) shape[d] = c.get("shape").get(d).asInt();
            assertTrue(c.get("call").asText().startsWith("torch.randn("), name);
            Tensor expected = f.tensor(name);
            assertEquals(DType.F32, expected.dtype());
            assertArrayEquals(expected.shape(), shape, name);
            Tensor got = new TorchGenerator(seed).randn(shape);
            assertArrayEquals(shape, got.shape());
            assertBitEqual(name, expected.toFloatArray(), got.toFloatArray());
            checked.add(name);
            report.add(name);
        }

        // two successive draws on one generator: the state carries over
        TorchGenerator g99 = new TorchGenerator(99);
        for (String which : new String[] {"first", "second"}) {
            String name = "randn.seed99." + which + ".1x4x8x8";
            assertBitEqual(name, f.tensor(name).toFloatArray(), g99.randn(1, 4, 8, 8).toFloatArray());
            checked.add(name);
        }

        // uniform
        assertBitEqual("rand.seed3.1000", f.tensor("rand.seed3.1000").toFloatArray(), new TorchGenerator(3).rand(1000));
        checked.add("rand.seed3.1000");

        assertEquals(new HashSet<>(f.names()), checked, "every tensor of the fixture is checked");
        assertEquals(11, checked.size());
    }

    @Test
    void extraTorchDrawsAreBitExact() throws Exception {
        SafetensorsFile f = SafetensorsFile.open(fixture("torch_rng_extra.safetensors"));
        JsonNode cases = new ObjectMapper().readTree(f.metadata().get("cases"));
        Set<String> checked = new HashSet<>();
        for (JsonNode c : cases) {
            String name = c.get("tensor").asText();
            long seed = new java.math.BigInteger(c.get("seed").asText()).longValue(); // uint64 / negative: two's complement
            TorchGenerator g = new TorchGenerator(seed);
            float[] last = null;
            for (JsonNode call : c.get("calls")) {
                int n = call.get(1).asInt();
                last = switch (call.get(0).asText()) {
                    case "randn" -> g.randn(n);
                    case "rand" -> g.rand(n);
                    default -> throw new AssertionError(call);
                };
            }
            assertBitEqual(name, f.tensor(name).toFloatArray(), last);
            checked.add(name);
        }
        assertEquals(new HashSet<>(f.names()), checked);
        assertTrue(checked.size() >= 70, "cases: " + checked.size());
    }

    @Test
    void mersenneTwisterMatchesTheStandardSequence() {
        // C++ [rand.predef]: the 10000th output of a default-constructed std::mt19937 (seed 5489) is 4123659995
        TorchGenerator g = new TorchGenerator(5489);
        int x = 0;
        for (int i = 0; i < 10000; i++) x = g.nextInt32();
        assertEquals(4123659995L, x & 0xffffffffL);
    }

    @Test
    void onlyTheLow32BitsOfTheSeedSeedTheTwister() {
        assertArrayEquals(new TorchGenerator(5).randn(300), new TorchGenerator((1L << 32) + 5).randn(300));
        assertArrayEquals(new TorchGenerator(0xffffffffL).rand(50), new TorchGenerator(-1).rand(50));
        assertEquals(-1L, new TorchGenerator(-1).initialSeed());
    }

    @Test
    void randomBitsComposeAsTorchDoes() {
        TorchGenerator a = new TorchGenerator(11), b = new TorchGenerator(11);
        long hi = a.nextInt32() & 0xffffffffL, lo = a.nextInt32() & 0xffffffffL;
        assertEquals(hi << 32 | lo, b.nextInt64());
        TorchGenerator c = new TorchGenerator(12), d = new TorchGenerator(12);
        assertEquals((c.nextInt32() & 0xffffff) / 16777216f, d.nextUniformFloat());
        TorchGenerator e = new TorchGenerator(13), g = new TorchGenerator(13);
        assertEquals((e.nextInt64() & ((1L << 53) - 1)) / 9007199254740992.0, g.nextUniformDouble());
    }

    @Test
    void uniformsLieInTheHalfOpenUnitInterval() {
        float[] u = new TorchGenerator(1).rand(100_000);
        double sum = 0;
        for (float x : u) {
            assertTrue(x >= 0f && x < 1f, "value " + x);
            sum += x;
        }
        assertEquals(0.5, sum / u.length, 0.01);
    }

    @Test
    void normalsHaveUnitMomentsOnBothPaths() {
        float[] big = new TorchGenerator(2).randn(200_000);
        double m = 0, v = 0;
        for (float x : big) m += x;
        m /= big.length;
        for (float x : big) v += (x - m) * (x - m);
        v /= big.length;
        assertEquals(0, m, 0.01);
        assertEquals(1, v, 0.01);

        TorchGenerator g = new TorchGenerator(3);
        double m2 = 0, v2 = 0;
        int n = 0;
        for (int k = 0; k < 20_000; k++)
            for (float x : g.randn(7)) { m2 += x; v2 += x * x; n++; }
        assertEquals(0, m2 / n, 0.02);
        assertEquals(1, v2 / n, 0.02);
    }

    @Test
    void theScalarPathKeepsTheSecondValueOfEachPair() {
        // below 16 elements each value comes from the scalar sampler, whose spare value is generator state:
        // any split of the calls gives the same stream
        float[] whole = new TorchGenerator(21).randn(15);
        TorchGenerator g = new TorchGenerator(21);
        float[] parts = new float[15];
        int at = 0;
        for (int k : new int[] {3, 1, 5, 6}) {
            System.arraycopy(g.randn(k), 0, parts, at, k);
            at += k;
        }
        assertArrayEquals(whole, parts);

        // the vectorised path (>= 16) draws uniforms only and leaves the kept value alone
        TorchGenerator h = new TorchGenerator(22);
        float[] a = h.randn(1); // keeps the sine of the first pair
        h.randn(32);
        float[] b = h.randn(1);
        TorchGenerator ref = new TorchGenerator(22);
        assertArrayEquals(new float[] {a[0], b[0]}, ref.randn(2));

        // manualSeed drops the kept value
        TorchGenerator s = new TorchGenerator(23);
        s.randn(1);
        s.manualSeed(23);
        assertArrayEquals(new TorchGenerator(23).randn(5), s.randn(5));
    }

    @Test
    void theLastBlockIsRedrawnWhenTheCountIsNotAMultipleOf16() {
        // n = 17: the first 16 values are transformed in place, then the last 16 (indices 1..16) are re-drawn from 16
        // fresh uniforms, so element 0 equals element 0 of randn(16) and the draw consumes 17 + 16 uniforms
        float[] r16 = new TorchGenerator(5).randn(16);
        float[] r17 = new TorchGenerator(5).randn(17);
        assertEquals(r16[0], r17[0]);
        TorchGenerator g = new TorchGenerator(5);
        g.randn(17);
        TorchGenerator h = new TorchGenerator(5);
        h.rand(33);
        assertEquals(h.nextInt32(), g.nextInt32());
    }

    @Test
    void shapesAndEdgeCases() {
        TorchGenerator g = new TorchGenerator(0);
        assertEquals(0, g.randn(0).length);
        assertArrayEquals(new int[] {2, 0, 3}, g.randn(2, 0, 3).shape());
        Tensor s = new TorchGenerator(0).randn(new int[0]);
        assertEquals(0, s.dim());
        assertEquals(new TorchGenerator(0).randn(1)[0], s.item());
        assertArrayEquals(new TorchGenerator(9).randn(64), new TorchGenerator(9).randn(4, 4, 4).toFloatArray());
    }

    @Test
    void kernelLogAndSinCosAreAccurate() {
        java.util.Random r = new java.util.Random(1);
        float[] sc = new float[2];
        for (int i = 0; i < 200_000; i++) {
            float u = 1f - (r.nextInt(1 << 24)) * 0x1p-24f; // (0, 1]
            float l = TorchGenerator.logf(u);
            assertEquals(Math.log(u), l, 2 * Math.ulp((float) Math.log(u)) + 1e-12, "log " + u);
            float th = (float) (2 * Math.PI) * (r.nextInt(1 << 24) * 0x1p-24f);
            TorchGenerator.sincosf(th, sc);
            assertEquals(Math.sin(th), sc[0], 3e-7, "sin " + th);
            assertEquals(Math.cos(th), sc[1], 3e-7, "cos " + th);
        }
        assertEquals(0f, TorchGenerator.logf(1f));
        assertTrue(Float.isNaN(TorchGenerator.logf(0f)));
        assertTrue(Float.isNaN(TorchGenerator.logf(-1f)));
    }
}
