package zest.diffusion.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes an output file or folder so that it appears complete or not at all. Everything goes into a hidden temporary
 * folder beside the target ({@code .NAME.<random>.tmp}), is fsynced, and is renamed to the target at the end. A
 * failure deletes the temporary folder; so does an interrupted run (Ctrl-C, SIGTERM), through a shutdown hook. Only a
 * hard kill (SIGKILL, power loss) can leave the hidden folder behind, never a partial target.
 *
 * <p>A file replaces an existing one in a single rename. A folder cannot (a folder can only be renamed over an empty
 * one): the old folder is renamed aside, the new one into place, then the old one deleted; if the second rename fails
 * the old folder is put back.
 */
public final class AtomicOutput {
    private AtomicOutput() {}

    /** Fills the temporary location it is given: the (empty) folder, or for a file the path to create. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path tmp) throws IOException;
    }

    /**
     * @param replace whether an existing {@code target} may be replaced (callers check and refuse beforehand, with a
     *                better message; this is the last guard against a target that appeared meanwhile)
     */
    public static void writeFolder(Path target, boolean replace, Content content) {
        write(target, replace, content, false);
    }

    /** The same for one file: {@code content} writes {@code <tmp folder>/<target name>}, which is renamed to the target. */
    public static void writeFile(Path target, boolean replace, Content content) {
        write(target, replace, content, true);
    }

    private static void write(Path target, boolean replace, Content content, boolean isFile) {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        String name = abs.getFileName().toString();
        Path tmp = dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.createDirectory(tmp);
        } catch (IOException e) {
            // an output location the user cannot write to: bad input, like a missing parent folder
            throw new CheckpointException(abs + ": cannot create a temporary folder in " + dir + ": " + e, e);
        }
        Thread cleanup = new Thread(() -> deleteQuietly(tmp), "zest-cleanup-" + name);
        boolean hooked = addHook(cleanup);
        try {
            Path written = isFile ? tmp.resolve(name) : tmp;
            content.writeTo(written);
            syncAll(tmp);
            if (isFile) moveFileIntoPlace(written, abs, replace);
            else moveFolderIntoPlace(tmp, abs, replace);
            sync(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(abs + ": cannot write: " + e, e);
        } finally {
            deleteQuietly(tmp); // after a folder's success it is gone already; after a file's, it is empty
            if (hooked) removeHook(cleanup);
        }
    }

    private static void moveFileIntoPlace(Path file, Path target, boolean replace) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!replace) throw alreadyExists(target);
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS))
                throw new CheckpointException(target + ": is a folder, not replaced by a file");
        }
        atomicMove(file, target, true);
    }

    private static void moveFolderIntoPlace(Path tmp, Path target, boolean replace) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            atomicMove(tmp, target, false);
            return;
        }
        if (!replace) throw alreadyExists(target);
        Path old = tmp.resolveSibling(tmp.getFileName().toString().replaceFirst("\\.tmp$", ".old"));
        atomicMove(target, old, false);
        try {
            atomicMove(tmp, target, false);
        } catch (IOException e) {
            atomicMove(old, target, false);
            throw e;
        }
        deleteQuietly(old);
    }

    private static CheckpointException alreadyExists(Path target) {
        return new CheckpointException(target + ": already exists (pass --overwrite to replace it)");
    }

    private static void atomicMove(Path from, Path to, boolean replace) throws IOException {
        try {
            if (replace) Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            else Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
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
        for (Path p : all) sync(p);
    }

    private static void sync(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // directories cannot be opened for sync on every platform; the rename itself is atomic either way
        }
    }

    /** Deletes a folder tree, best effort (used on failure paths, where the original error is what matters). */
    static void deleteQuietly(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
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
            // the hook runs, and finds nothing left to delete after a success
        }
    }
}
