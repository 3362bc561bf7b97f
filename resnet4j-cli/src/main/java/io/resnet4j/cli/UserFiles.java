package io.resnet4j.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The paths a user names, checked before any work is done: a file to read must be a file, and a file or
 * directory to write must be writable where it is, so that a long run does not fail only at its end and an
 * error never names one of our temporary files.
 */
public final class UserFiles {
    private UserFiles() {
    }

    /** A file to read: "X is a directory, not a file", or "file not found: X (hint)". */
    public static void requireFile(Path file, String hint) {
        if (Files.isDirectory(file)) {
            throw new UserError(file + " is a directory, not a file");
        }
        if (!Files.isRegularFile(file)) {
            throw new UserError("file not found: " + file + " (" + hint + ")");
        }
    }

    /**
     * A file that is about to be written (replacing it if it exists): it must not be a directory, and its
     * directory must exist and take new files (tried with a probe file, since root passes permission checks
     * on places such as /proc that take no files).
     */
    public static void requireWritableFile(Path file) {
        requireNotDirectory(file);
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new UserError("cannot write " + file + ": " + (Files.exists(dir) ? dir + " is not a directory"
                    : "directory " + dir + " does not exist"));
        }
        probe(dir, "cannot write " + file);
    }

    /** A file about to be replaced must not be a directory (the rename over it would fail after the work). */
    public static void requireNotDirectory(Path file) {
        if (Files.isDirectory(file)) {
            throw new UserError("cannot write " + file + ": it is a directory");
        }
    }

    /**
     * A directory that files are about to be written into: created now (with missing parents) when it does
     * not exist, so that a regular file or an unwritable place in its way is reported before the work. Returns
     * the directories it created, outermost first, for {@link #removeIfEmpty} when the command fails.
     */
    public static List<Path> requireWritableDirectory(String flag, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserError(flag + " " + dir + " is a file; give a directory");
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = dir.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new UserError("cannot create directory " + dir + " (" + flag + "): " + p + " is a file");
                }
                break;
            }
            missing.add(0, p);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            removeIfEmpty(missing);   // the part of the path created before the failure
            throw new UserError("cannot create directory " + dir + " (" + flag + "): " + reason(e));
        }
        try {
            probe(dir.toAbsolutePath(), "cannot write into " + dir + " (" + flag + ")");
        } catch (UserError e) {
            removeIfEmpty(missing);
            throw e;
        }
        return missing;
    }

    /**
     * Deletes the directories a failed command created ({@link #requireWritableDirectory}), innermost first,
     * while they are empty: one that holds anything stays, and so do its parents. Directories the user had
     * are never in the list.
     */
    public static void removeIfEmpty(List<Path> created) {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                Files.delete(created.get(i));
            } catch (IOException notEmptyOrGone) {
                return;
            }
        }
    }

    /** Refuses the same file for an input and the output (the output would replace the input). */
    public static void requireDistinct(String outFlag, Path out, String inFlag, Path in) {
        if (in != null && sameFile(out, in)) {
            throw new UserError(outFlag + " " + out + " is the " + inFlag + " file; writing it would replace "
                    + "the " + inFlag.substring(2) + ": give another file name");
        }
    }

    /** Real paths when both exist (links, "..", case-insensitive file systems), normalized absolute paths else. */
    static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // fall back to comparing the names
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** Why an I/O operation failed, without the path (the caller names the user's path, not a temporary one). */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static void probe(Path dir, String what) {
        try {
            Files.delete(Files.createTempFile(dir, ".resnet4j-probe.", ".tmp"));
        } catch (IOException e) {
            throw new UserError(what + ": " + dir + " takes no new files (" + reason(e) + ")");
        }
    }
}
