package io.resnet4j.cli;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;

/**
 * Ctrl-C during training: the first press asks the trainer to stop after the current epoch (its checkpoint is
 * written, so the run can be resumed); a second press quits at once (the last checkpoint is the previous
 * epoch's). Uses {@code sun.misc.Signal} through reflection, where it exists; elsewhere Ctrl-C quits as usual.
 */
final class Interrupts {
    private Interrupts() {
    }

    /** Installs the handler for the run in {@code runDir}; returns false when signals cannot be handled here. */
    static boolean onInterrupt(Runnable firstPress, PrintWriter err, Path runDir) {
        Presses presses = new Presses(firstPress, err, runDir, () -> Runtime.getRuntime().halt(TrainCommand.STOPPED));
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object sigint = signal.getConstructor(String.class).newInstance("INT");
            Object proxy = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (p, m, args) -> {
                if (m.getName().equals("handle")) {
                    presses.press();
                    return null;
                }
                return m.getName().equals("toString") ? "resnet4j interrupt handler" : null;
            });
            Method handle = signal.getMethod("handle", signal, handler);
            handle.invoke(null, sigint, proxy);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
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
}
