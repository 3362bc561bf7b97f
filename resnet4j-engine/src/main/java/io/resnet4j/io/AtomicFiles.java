package io.resnet4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whole-file writes that readers see entirely or not at all (temporary file, fsync, rename), and synced appends:
 * checkpoints, metrics, exported models, downloads, run reports, plots and experiment results.
 */
public final class AtomicFiles {
    /** The temporary files of writes in progress, for {@link #deleteUnfinished}. */
    private static final Set<Path> UNFINISHED = ConcurrentHashMap.newKeySet();

    private AtomicFiles() {
    }

    /**
     * Deletes the temporary files of the writes still in progress (their targets stay as before those writes), for
     * a process about to end with Runtime.halt, which runs no finally block: a signal handler that quits mid-epoch
     * would otherwise leave a hidden ".last.safetensors.*.tmp" of the checkpoint being written. A write whose
     * temporary file goes this way fails (its rename finds no file) and leaves its target untouched.
     */
    public static void deleteUnfinished() {
        for (Path tmp : UNFINISHED) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the target is intact either way
            }
        }
    }

    /** What goes into the file: written to the temporary file's channel (which is then forced to disk). */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel ch) throws IOException;
    }

    /**
     * Writes target from body: a temporary file next to it (rw-r--r--), fsync, rename over target, fsync of
     * the directory. If body or any step throws, the temporary file is deleted and target is untouched. The
     * body's IOExceptions pass unchanged; a step's failure is an IOException that names target first, then
     * what went wrong and the step ("cannot write runs/a/config.json: Is a directory (renaming the temporary
     * file onto it)"), never the temporary file's name alone.
     */
    public static void writeWith(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        String step = null;
        try {
            if (Files.isDirectory(target)) {
                // checked before the body runs: the rename would refuse it only after the whole file is written
                throw new WriteFailedException("cannot write " + target + ": it is a directory", null);
            }
            step = "creating the directory " + dir;
            Files.createDirectories(dir);
            step = "creating a temporary file in " + dir;
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            UNFINISHED.add(tmp);
            step = "writing the temporary file " + tmp;
            if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
                // Temporary files are created owner-only; the result is an ordinary file (rw-r--r--).
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                String writing = step;
                step = null;
                body.write(ch);
                step = writing;
                ch.force(true);
            }
            step = "renaming the temporary file onto it";
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            UNFINISHED.remove(tmp);
            tmp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw step == null ? e : failure(target, e, step);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write's own error is the one to report
                }
                UNFINISHED.remove(tmp);
            }
        }
    }

    /** What to check after a failed write, appended to its message for the user (checkpoints, config.json...). */
    public static final String WRITE_HINT = " (check the directory exists, is writable and the disk has space)";

    /**
     * A write that failed, named by the file the caller asked for: "cannot write TARGET: what went wrong". Public
     * so that a user-facing message can show it as it is, without an "I/O error" prefix.
     */
    public static final class WriteFailedException extends IOException {
        WriteFailedException(String message, IOException cause) {
            super(message, cause);
        }
    }

    /**
     * e as a failure to write target (an IOException of {@link #writeWith}'s body, e.g. a full disk): "cannot
     * write TARGET: what went wrong". A failure of writeWith's own steps, which already names target, is kept.
     */
    public static IOException failure(Path target, IOException e) {
        return failure(target, e, null);
    }

    private static IOException failure(Path target, IOException e, String step) {
        if (e instanceof WriteFailedException) {
            return e;
        }
        String detail = step == null ? "" : " (" + step + ")";
        return new WriteFailedException("cannot write " + target + ": " + describe(e) + detail, e);
    }

    /** What went wrong in e, in words ("permission denied", "it is a directory", ...). */
    private static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        } else if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        } else if (e instanceof NotDirectoryException) {
            return "not a directory";
        } else if (e instanceof FileAlreadyExistsException) {
            return "a file is in the way";
        } else if (e instanceof FileSystemException f) {
            return f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** {@link #writeWith} of the bytes, failures as UncheckedIOException naming the file. */
    public static void write(Path target, byte[] data) {
        try {
            writeWith(target, ch -> writeFully(ch, ByteBuffer.wrap(data)));
        } catch (IOException e) {
            IOException named = failure(target, e);
            throw new UncheckedIOException(named.getMessage(), named);
        }
    }

    public static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Makes a rename durable; not every platform can open a directory, which is then left to the OS. */
    public static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // directories cannot be opened for sync on some systems (Windows); the rename itself is atomic
        }
    }

    public static void writeString(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends one line and forces it to disk before returning. A failure is an UncheckedIOException around a
     * WriteFailedException: "cannot append to TARGET: what went wrong".
     */
    public static void appendLine(Path target, String line) {
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            writeFully(ch, ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        } catch (IOException e) {
            WriteFailedException named = new WriteFailedException("cannot append to " + target + ": " + describe(e), e);
            throw new UncheckedIOException(named.getMessage(), named);
        }
    }
}
