package zest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import zest.diffusion.bench.ModelCase;

/** Smoke test of the bench command's wiring (the benchmarks themselves are never part of the test suite). */
class BenchCommandTest {
    @Test
    void helpListsTheOptions() {
        PrintStream original = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.execute("bench", "--help");
        } finally {
            System.setOut(original);
        }
        String help = buf.toString(StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_OK, rc);
        for (String option : new String[] {"--suite", "--quick", "--threads", "--python", "--json", "--weights"})
            assertTrue(help.contains(option), "help should mention " + option + ":\n" + help);
    }

    @Test
    void badSuiteIsAUsageError() {
        PrintStream original = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertEquals(Main.EXIT_USAGE, Main.execute("bench", "--suite", "nope"));
        } finally {
            System.setErr(original);
        }
    }

    @Test
    void badWeightsDtypeIsAUsageError() {
        PrintStream original = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertEquals(Main.EXIT_USAGE, Main.execute("bench", "--suite", "unet", "--weights", "f8"));
            assertEquals(Main.EXIT_USAGE, Main.execute("bench", "--case", "vae-8", "--weights", "int4"));
        } finally {
            System.setErr(original);
        }
    }

    @Test
    void caseIdsRoundTrip() {
        assertEquals("guided-64", ModelCase.parse("guided-64").id());
        assertEquals(512, ModelCase.parse("unet-64").pixels());
        assertEquals(java.util.List.of(ModelCase.VAE_PART), ModelCase.parse("vae-64").parts());
    }
}
