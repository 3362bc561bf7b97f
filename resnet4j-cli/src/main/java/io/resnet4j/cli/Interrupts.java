package io.resnet4j.cli;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Ctrl-C. During training the first press asks the trainer to stop after the current epoch (its checkpoint is
 * written, so the run can be resumed); a second press quits at once (the last checkpoint is the previous
 * epoch's). During eval and experiment a press quits at once, after removing the output directories the command
 * created while they are still empty ({@link Cleanup}). Uses {@code sun.misc.Signal} through reflection, where
 * it exists; elsewhere Ctrl-C quits as usual.
 */
final class Interrupts {
    private Interrupts() {
    }

    /** Installs the handler for the run in {@code runDir}; returns false when signals cannot be handled here. */
    static boolean onInterrupt(Runnable firstPress, PrintWriter err, Path runDir) {
        Presses presses = new Presses(firstPress, err, runDir, Interrupts::halt);
        return install(presses::press) != null;
    }

    /**
     * Makes Ctrl-C run {@code onPress} until the returned handle is closed, which puts the previous handler back;
     * null when signals cannot be handled here.
     */
    static Handle install(Runnable onPress) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object sigint = signal.getConstructor(String.class).newInstance("INT");
            Object proxy = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (p, m, args) -> {
                if (m.getName().equals("handle")) {
                    onPress.run();
                    return null;
                }
                return switch (m.getName()) {
                    case "toString" -> "resnet4j interrupt handler";
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == args[0];
                    default -> null;
                };
            });
            Method handle = signal.getMethod("handle", signal, handler);
            Object previous = handle.invoke(null, sigint, proxy);
            return () -> {
                try {
                    handle.invoke(null, sigint, previous);
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

    /** Ends the JVM at once with {@link TrainCommand#STOPPED}, as an interrupted program. */
    private static void halt() {
        Runtime.getRuntime().halt(TrainCommand.STOPPED);
    }

    /** What each press does, apart from the signal plumbing (and with the halt replaceable, for tests). */
    static final class Presses {
        private final Runnable firstPress;
        private final PrintWriter err;
        private final Path runDir;
        private final Runnable halt;
        private int count;

        Presses(Runnable firstPress, PrintWriter err, Path runDir, Runnable halt) {
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
                err.println("quitting; resume from the last epoch's checkpoint with ./resnet4j train --resume "
                        + runDir);
                err.flush();
                halt.run();
            }
        }
    }

    /**
     * Ctrl-C during a command that writes into an output directory: the directories the command created (as
     * {@link UserFiles#requireWritableDirectory} returned them) are removed while they are empty, as after a
     * failure, and the command quits. No file is deleted: eval writes its files in {@link #writing}, which a press
     * waits for, and the experiment keeps its files so that the same command continues it. A directory the user
     * had is never in the list, so it stays as it was.
     */
    static final class Cleanup implements AutoCloseable {
        private final PrintWriter err;
        private final Runnable halt;
        private Handle handle;
        private Path dir;
        private List<Path> created = List.of();
        private String keptNote;

        /** halt: ends the command (the JVM), for tests replaceable. */
        Cleanup(PrintWriter err, Runnable halt) {
            this.err = err;
            this.halt = halt;
        }

        /** A cleanup that halts the JVM, the Ctrl-C handler until it is closed (where signals can be handled). */
        static Cleanup install(PrintWriter err) {
            Cleanup c = new Cleanup(err, Interrupts::halt);
            c.handle = Interrupts.install(c::press);
            return c;
        }

        /** Puts the previous Ctrl-C handler back. */
        @Override
        public void close() {
            if (handle != null) {
                handle.close();
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

        synchronized void press() {
            String message;
            if (dir == null) {
                message = "interrupted";
            } else {
                UserFiles.removeIfEmpty(created);
                boolean removed = !created.isEmpty() && Files.notExists(created.get(created.size() - 1));
                message = "interrupted; " + (removed ? "removed " + dir + " (created by this command, still empty)"
                        : keptNote);
            }
            err.println();
            err.println(message);
            err.flush();
            halt.run();
        }
    }
}
