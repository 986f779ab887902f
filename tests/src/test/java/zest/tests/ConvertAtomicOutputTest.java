package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.diffusion.checkpoint.AtomicOutput;
import zest.diffusion.checkpoint.CheckpointException;

/** The all-or-nothing file and folder writes that {@code zest convert} relies on, failing at the worst moments. */
class ConvertAtomicOutputTest {
    @TempDir Path dir;

    @Test
    void aFailureHalfwayLeavesNoTargetAndNoTemporaryFolder() {
        Path target = dir.resolve("model");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicOutput.writeFolder(target, false, tmp -> {
            Files.writeString(tmp.resolve("model_index.json"), "{}");
            Files.createDirectories(tmp.resolve("unet"));
            Files.writeString(tmp.resolve("unet/config.json"), "{}");
            throw new IOException("disk full (simulated)");
        }));
        assertEquals(true, e.getMessage().contains(target.toString()) && e.getMessage().contains("disk full"), e.getMessage());
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void aFailureWhileReplacingKeepsTheOldFolder() throws IOException {
        Path target = Files.createDirectory(dir.resolve("model"));
        Files.writeString(target.resolve("old.txt"), "old");
        assertThrows(RuntimeException.class, () -> AtomicOutput.writeFolder(target, true, tmp -> {
            Files.writeString(tmp.resolve("new.txt"), "new");
            throw new IllegalStateException("bad weights (simulated)");
        }));
        assertEquals(List.of("model"), listing(dir));
        assertEquals(List.of("old.txt"), listing(target));
    }

    @Test
    void replacesAWholeFolderOnlyWhenAllowed() throws IOException {
        Path target = Files.createDirectory(dir.resolve("model"));
        Files.writeString(target.resolve("old.txt"), "old");
        assertThrows(CheckpointException.class, () -> AtomicOutput.writeFolder(target, false, tmp -> Files.writeString(tmp.resolve("new.txt"), "new")));
        assertEquals(List.of("old.txt"), listing(target));
        assertEquals(List.of("model"), listing(dir));

        AtomicOutput.writeFolder(target, true, tmp -> Files.writeString(tmp.resolve("new.txt"), "new"));
        assertEquals(List.of("new.txt"), listing(target));
        assertEquals(List.of("model"), listing(dir));
    }

    @Test
    void aFileFailingHalfwayLeavesTheOldFileAndNoTemporaryOne() throws IOException {
        Path target = Files.writeString(dir.resolve("model.safetensors"), "old");
        assertThrows(UncheckedIOException.class, () -> AtomicOutput.writeFile(target, true, tmp -> {
            Files.writeString(tmp, "half of the new con");
            throw new IOException("killed (simulated)");
        }));
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("model.safetensors"), listing(dir));
    }

    @Test
    void aFileReplacesTheOldOneOnlyWhenAllowed() throws IOException {
        Path target = Files.writeString(dir.resolve("model.safetensors"), "old");
        assertThrows(CheckpointException.class, () -> AtomicOutput.writeFile(target, false, tmp -> Files.writeString(tmp, "new")));
        assertEquals("old", Files.readString(target));
        AtomicOutput.writeFile(target, true, tmp -> Files.writeString(tmp, "new"));
        assertEquals("new", Files.readString(target));
        assertEquals(List.of("model.safetensors"), listing(dir));
    }

    private static List<String> listing(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(folder + ": " + e, e);
        }
    }
}
