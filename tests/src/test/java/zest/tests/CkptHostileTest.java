package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import zest.convert.ckpt.CheckpointException;
import zest.diffusion.model.ModelLoader;

/**
 * Pickles that try to run code (os.system, subprocess.call, exec, eval) are refused as bad input (exit code 2) with
 * a message naming what they asked for, and nothing runs: no {@code zest-pickle-executed} file appears. A truncated
 * zip is a clear error too.
 */
class CkptHostileTest {
    private static final String MARKER = "zest-pickle-executed";

    @AfterEach
    void nothingWasExecuted() throws IOException {
        assertNoMarker(Path.of("").toAbsolutePath());
        assertNoMarker(Path.of(System.getProperty("java.io.tmpdir")));
        assertNoMarker(Parity.resource("ckpt/hostile"));
    }

    private static void assertNoMarker(Path dir) throws IOException {
        assertFalse(Files.exists(dir.resolve(MARKER)), "a hostile pickle ran: " + dir.resolve(MARKER) + " exists");
        try (Stream<Path> s = Files.walk(dir, 2)) {
            assertFalse(s.anyMatch(p -> p.getFileName() != null && p.getFileName().toString().equals(MARKER)), "marker under " + dir);
        } catch (java.io.UncheckedIOException ignored) {
            // a temp dir may hold unreadable entries of other processes; the direct check above still ran
        }
    }

    static Path hostile(String name) { return Parity.resource("ckpt/hostile/" + name); }

    static Path clipCase() { return Parity.resource("sd-tiny/cases/clip.safetensors"); }

    @ParameterizedTest
    @CsvSource({"os_system.ckpt, os.system", "subprocess.ckpt, subprocess.call", "builtins_exec.ckpt, builtins.exec",
            "builtins_eval.ckpt, builtins.eval"})
    void checkRefusesWithExitCode2(String file, String python) {
        Path p = hostile(file);
        CliRun run = CliRun.of("check", "--model", p.toString(), "--config", Parity.resource("sd-tiny").toString(),
                "--case", clipCase().toString());
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("refusing to load " + p + ": its pickle asks for " + python), run.toString());
        assertTrue(run.err().contains("nothing was executed"), run.toString());
    }

    @ParameterizedTest
    @CsvSource({"os_system.ckpt, os.system", "subprocess.ckpt, subprocess.call", "builtins_exec.ckpt, builtins.exec",
            "builtins_eval.ckpt, builtins.eval"})
    void inspectAndConvertRefuseWithExitCode2(String file, String python, @TempDir Path dir) {
        Path p = hostile(file);
        for (CliRun run : new CliRun[] {CliRun.of("inspect", p.toString()),
                CliRun.of("convert", p.toString(), dir.resolve("out.safetensors").toString())}) {
            assertEquals(2, run.exitCode(), run.toString());
            assertTrue(run.err().contains("refusing to load " + p + ": its pickle asks for " + python), run.toString());
        }
        assertFalse(Files.exists(dir.resolve("out.safetensors")));
    }

    @ParameterizedTest
    @CsvSource({"os_system.ckpt, os.system", "subprocess.ckpt, subprocess.call", "builtins_exec.ckpt, builtins.exec",
            "builtins_eval.ckpt, builtins.eval"})
    void modelLoaderRefuses(String file, String python) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelLoader.load(hostile(file), null));
        assertTrue(e.getMessage().contains("its pickle asks for " + python), e.getMessage());
    }

    @Test
    void truncatedZipIsAClearError() {
        Path p = hostile("truncated.ckpt");
        for (CliRun run : new CliRun[] {CliRun.of("check", "--model", p.toString(), "--case", clipCase().toString()),
                CliRun.of("inspect", p.toString())}) {
            assertEquals(2, run.exitCode(), run.toString());
            assertTrue(run.err().contains(p + ": not a complete zip archive (no end-of-central-directory record): the file is"
                    + " truncated or damaged"), run.toString());
        }
    }
}
