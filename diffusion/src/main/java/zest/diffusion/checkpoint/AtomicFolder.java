package zest.diffusion.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes a whole folder so that it appears complete or not at all: everything goes into a hidden temporary folder
 * beside the target ({@code .NAME.<random>.tmp}), whose files are fsynced, and that folder is renamed to the target at
 * the end. A failure deletes the temporary folder; so does an interrupted run (Ctrl-C, SIGTERM) through a shutdown
 * hook. Only a hard kill (SIGKILL, power loss) can leave the hidden folder behind, never a partial target.
 *
 * <p>Replacing an existing target cannot be one rename (a folder can only be renamed over an empty one): the old
 * folder is first renamed aside, the new one into place, then the old one deleted; if the second rename fails the
 * old folder is put back.
 */
public final class AtomicFolder {
    private AtomicFolder() {}

    /** Fills the (empty, temporary) folder it is given. */
    @FunctionalInterface
    public interface Content {
        void writeInto(Path folder) throws IOException;
    }

    /**
     * @param replace whether an existing {@code target} may be replaced (callers check and refuse beforehand; this
     *                is the last guard against a target that appeared meanwhile)
     */
    public static void write(Path target, boolean replace, Content content) {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        String name = abs.getFileName().toString();
        Path tmp = dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        Thread cleanup = new Thread(() -> deleteQuietly(tmp), "zest-cleanup-" + name);
        try {
            Files.createDirectory(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(abs + ": cannot create a temporary folder in " + dir + ": " + e, e);
        }
        boolean hooked = addHook(cleanup);
        boolean done = false;
        try {
            content.writeInto(tmp);
            syncAll(tmp);
            moveIntoPlace(tmp, abs, replace);
            done = true;
        } catch (IOException e) {
            throw new UncheckedIOException(abs + ": cannot write: " + e, e);
        } finally {
            if (!done) deleteQuietly(tmp);
            if (hooked) removeHook(cleanup);
        }
    }

    private static void moveIntoPlace(Path tmp, Path target, boolean replace) throws IOException {
        if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            atomicMove(tmp, target);
            return;
        }
        if (!replace) throw new CheckpointException(target + ": already exists (pass --overwrite to replace it)");
        Path old = tmp.resolveSibling(tmp.getFileName().toString().replaceFirst("\\.tmp$", ".old"));
        atomicMove(target, old);
        try {
            atomicMove(tmp, target);
        } catch (IOException e) {
            atomicMove(old, target);
            throw e;
        }
        deleteQuietly(old);
    }

    private static void atomicMove(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    /** Data and directory entries on disk before the rename makes them visible under the target name. */
    private static void syncAll(Path root) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.toList();
        }
        for (Path p : all) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException | UnsupportedOperationException ignored) {
                // directories cannot be opened for sync on every platform; the file data matters most
            }
        }
    }

    /** Deletes a folder tree, best effort (used on failure paths, where the original error is what matters). */
    static void deleteQuietly(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    private static boolean addHook(Thread t) {
        try {
            Runtime.getRuntime().addShutdownHook(t);
            return true;
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }

    private static void removeHook(Thread t) {
        try {
            Runtime.getRuntime().removeShutdownHook(t);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (and finds nothing to delete after a success)
        }
    }
}
