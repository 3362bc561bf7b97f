package io.resnet4j.cli;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.train.Trainer;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Ctrl-C (SIGINT) and SIGTERM. During training the first Ctrl-C asks the trainer to stop after the current epoch
 * (its checkpoint is written, so the run can be resumed); a second one quits at once (the last checkpoint is the
 * previous epoch's), and so does SIGTERM (what kill, systemd and container runtimes send: they allow seconds, not
 * an epoch). During eval and experiment either signal quits at once, after removing the output directories the
 * command created while they are still empty ({@link Cleanup}). Exit codes 130 and 143 (128 + the signal's number),
 * as for a program the signal ended. Uses {@code sun.misc.Signal} through reflection, where it exists; elsewhere
 * the JVM's own handling applies.
 */
final class Interrupts {
    private Interrupts() {
    }

    /** Exit code after SIGINT (Ctrl-C), 128 + 2. */
    static final int SIGINT_EXIT = 130;
    /** Exit code after SIGTERM, 128 + 15. */
    static final int SIGTERM_EXIT = 143;

    /** Installs the handlers for the run in {@code runDir}; returns false when signals cannot be handled here. */
    static boolean onInterrupt(Runnable firstPress, PrintWriter err, Path runDir) {
        Presses presses = new Presses(firstPress, err, runDir, Interrupts::halt);
        boolean interrupt = install("INT", presses::press) != null;
        boolean terminate = install("TERM", presses::terminate) != null;
        return interrupt && terminate;
    }

    /**
     * Makes the signal (by its name without SIG: INT, TERM) run {@code onSignal} until the returned handle is
     * closed, which puts the previous handler back; null when signals cannot be handled here.
     */
    static Handle install(String name, Runnable onSignal) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object sig = signal.getConstructor(String.class).newInstance(name);
            Object proxy = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (p, m, args) -> {
                if (m.getName().equals("handle")) {
                    onSignal.run();
                    return null;
                }
                return switch (m.getName()) {
                    case "toString" -> "resnet4j SIG" + name + " handler";
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == args[0];
                    default -> null;
                };
            });
            Method handle = signal.getMethod("handle", signal, handler);
            Object previous = handle.invoke(null, sig, proxy);
            return () -> {
                try {
                    handle.invoke(null, sig, previous);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // ours stays installed: a later press reports and quits, as during the command
                }
            };
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** An installed handler; closing it puts the previous one back. */
    interface Handle extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Ends the JVM at once with the exit code, as a program the signal ended; a checkpoint or file being written
     * loses its temporary file, and its target stays as it was.
     */
    private static void halt(int exitCode) {
        AtomicFiles.deleteUnfinished();
        Runtime.getRuntime().halt(exitCode);
    }

    /** What each signal does, apart from the signal plumbing (and with the halt replaceable, for tests). */
    static final class Presses {
        private final Runnable firstPress;
        private final PrintWriter err;
        private final Path runDir;
        private final IntConsumer halt;
        private int count;

        Presses(Runnable firstPress, PrintWriter err, Path runDir, IntConsumer halt) {
            this.firstPress = firstPress;
            this.err = err;
            this.runDir = runDir;
            this.halt = halt;
        }

        synchronized void press() {
            if (++count == 1) {
                err.println();
                err.println("stopping after this epoch (its checkpoint is written; Ctrl-C again to quit now)");
                err.flush();
                firstPress.run();
            } else {
                err.println("quitting; " + resumeNote());
                err.flush();
                halt.accept(SIGINT_EXIT);
            }
        }

        /** SIGTERM: quits at once, whatever Ctrl-C did before. */
        synchronized void terminate() {
            err.println();
            err.println("terminated (SIGTERM); " + resumeNote());
            err.flush();
            halt.accept(SIGTERM_EXIT);
        }

        /** Where the run continues from, or that no epoch finished (so no checkpoint exists yet). */
        private String resumeNote() {
            return Files.exists(runDir.resolve(Trainer.LAST))
                    ? "resume from the last epoch's checkpoint with ./resnet4j train --resume " + runDir
                    : "no epoch had finished, so there is no checkpoint to resume from";
        }
    }

    /**
     * Ctrl-C or SIGTERM during a command that writes into an output directory: the directories the command created (as
     * {@link UserFiles#requireWritableDirectory} returned them) are removed while they are empty, as after a
     * failure, and the command quits. No file is deleted: eval writes its files in {@link #writing}, which a press
     * waits for, and the experiment keeps its files so that the same command continues it. A directory the user
     * had is never in the list, so it stays as it was.
     */
    static final class Cleanup implements AutoCloseable {
        private final PrintWriter err;
        private final IntConsumer halt;
        private Handle interrupt, terminate;
        private Path dir;
        private List<Path> created = List.of();
        private String keptNote;

        /** halt: ends the command (the JVM) with the exit code, for tests replaceable. */
        Cleanup(PrintWriter err, IntConsumer halt) {
            this.err = err;
            this.halt = halt;
        }

        /**
         * A cleanup that halts the JVM, the SIGINT and SIGTERM handler until it is closed (where signals can be
         * handled).
         */
        static Cleanup install(PrintWriter err) {
            Cleanup c = new Cleanup(err, Interrupts::halt);
            c.interrupt = Interrupts.install("INT", c::press);
            c.terminate = Interrupts.install("TERM", c::terminate);
            return c;
        }

        /** Puts the previous handlers back. */
        @Override
        public void close() {
            if (interrupt != null) {
                interrupt.close();
            }
            if (terminate != null) {
                terminate.close();
            }
        }

        /**
         * The output directory as the user named it, the part of it this command created, and what to tell when
         * it stays (it holds files, or the user had it), e.g. "nothing written into DIR".
         */
        synchronized void watch(Path dir, List<Path> created, String keptNote) {
            this.dir = dir;
            this.created = List.copyOf(created);
            this.keptNote = keptNote;
        }

        /** Runs the writing of the results, which a press does not interrupt; keptNote then tells what is kept. */
        synchronized void writing(Runnable write, String keptNote) {
            write.run();
            this.keptNote = keptNote;
        }

        /** Ctrl-C. */
        void press() {
            quit("interrupted", SIGINT_EXIT);
        }

        /** SIGTERM. */
        void terminate() {
            quit("terminated (SIGTERM)", SIGTERM_EXIT);
        }

        private synchronized void quit(String what, int exitCode) {
            String message;
            if (dir == null) {
                message = what;
            } else {
                UserFiles.removeIfEmpty(created);
                boolean removed = !created.isEmpty() && Files.notExists(created.get(created.size() - 1));
                message = what + "; " + (removed ? "removed " + dir + " (created by this command, still empty)"
                        : keptNote);
            }
            err.println();
            err.println(message);
            err.flush();
            halt.accept(exitCode);
        }
    }
}
