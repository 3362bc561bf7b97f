package io.resnet4j.cli;

import io.resnet4j.data.DatasetException;
import io.resnet4j.io.AtomicFiles;
import io.resnet4j.io.CheckpointException;
import io.resnet4j.onnx.OnnxException;
import io.resnet4j.train.TrainingDivergedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * How a failure becomes what the user sees: exactly one line on stderr and an exit code, 2 for bad input
 * (a flag, a file, an image, not enough memory for the request) and 1 for a fault of ours. The stack trace is
 * printed only with {@code --debug} or {@code RESNET4J_DEBUG=1}.
 */
final class ErrorPolicy {
    /** Exit code of a successful run. */
    static final int OK = 0;
    /** Exit code of an internal fault (a bug: please report it). */
    static final int INTERNAL = 1;
    /** Exit code of bad input: a flag, a file, an image, a shape. */
    static final int BAD_INPUT = 2;

    /** The environment variable that, when set to 1 or true, prints stack traces like {@code --debug}. */
    static final String DEBUG_ENV = "RESNET4J_DEBUG";

    private ErrorPolicy() {
    }

    /** The one line and the exit code for {@code t}. */
    record Outcome(String line, int exitCode) {
    }

    static Outcome classify(Throwable t) {
        Throwable root = unwrap(t);
        if (root instanceof UserError || root instanceof CheckpointException || root instanceof DatasetException
                || root instanceof OnnxException || root instanceof TrainingDivergedException) {
            return bad(root.getMessage());
        }
        if (root instanceof AtomicFiles.WriteFailedException e) {
            // names the file already ("cannot write runs/a/config.json: it is a directory"), as a checkpoint's does
            return bad(e.getMessage() + AtomicFiles.WRITE_HINT);
        }
        if (root instanceof NoSuchFileException e) {
            return bad("file not found: " + e.getFile() + " (check the path)");
        }
        if (root instanceof AccessDeniedException e) {
            return bad("permission denied: " + e.getFile() + " (check the file's permissions)");
        }
        if (root instanceof NotDirectoryException e) {
            return bad("not a directory: " + e.getFile());
        }
        if (root instanceof FileAlreadyExistsException e) {
            return bad("already exists: " + e.getFile());
        }
        if (root instanceof IOException e) {
            return bad("I/O error: " + e.getMessage());
        }
        if (root instanceof IllegalArgumentException) {
            return bad(root.getMessage());
        }
        if (root instanceof OutOfMemoryError) {
            long maxMiB = Runtime.getRuntime().maxMemory() >> 20;
            return bad("out of memory (Java heap " + maxMiB + " MiB): use a smaller --batch, train deep nets with "
                    + "--recompute block (one activation kept per residual unit), or give a bigger heap, e.g. "
                    + "JAVA_OPTS=-Xmx16g ./resnet4j ...");
        }
        if (root instanceof StackOverflowError) {
            return bad("the network is too deep for the thread stack: raise it, e.g. JAVA_OPTS=-Xss64m ./resnet4j ...");
        }
        return new Outcome("internal error: " + root.getClass().getName()
                + (root.getMessage() == null ? "" : ": " + root.getMessage())
                + " (run with --debug for the stack trace and please report it)", INTERNAL);
    }

    /** Prints the outcome's line, plus the stack trace when debugging, and returns its exit code. */
    static int report(Throwable t, PrintWriter err, boolean debug) {
        Outcome o = classify(t);
        err.println("error: " + oneLine(o.line()));
        if (debug || debugFromEnvironment()) {
            t.printStackTrace(err);
        }
        err.flush();
        return o.exitCode();
    }

    static boolean debugFromEnvironment() {
        String v = System.getenv(DEBUG_ENV);
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }

    /** Collapses line breaks and runs of spaces, so a message never spans more than one line. */
    static String oneLine(String message) {
        if (message == null || message.isBlank()) {
            return "(no message)";
        }
        return message.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ").replaceAll("[ \\t]{2,}", " ");
    }

    private static Outcome bad(String message) {
        return new Outcome(message, BAD_INPUT);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cur = t;
        while (cur instanceof UncheckedIOException && cur.getCause() != null) {
            cur = cur.getCause();
        }
        return cur;
    }
}
