package io.resnet4j.cli;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Ctrl-C during training: the first press asks the trainer to stop after the current epoch (its checkpoint is
 * written, so the run can be resumed); a second press quits at once (the last checkpoint is the previous
 * epoch's). Uses {@code sun.misc.Signal} through reflection, where it exists; elsewhere Ctrl-C quits as usual.
 */
final class Interrupts {
    private Interrupts() {
    }

    /** Installs the handler; returns false when signals cannot be handled on this JVM. */
    static boolean onInterrupt(Runnable firstPress, PrintWriter err) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object sigint = signal.getConstructor(String.class).newInstance("INT");
            int[] presses = {0};
            Object proxy = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (p, m, args) -> {
                if (m.getName().equals("handle")) {
                    if (++presses[0] == 1) {
                        err.println();
                        err.println("stopping after this epoch (its checkpoint is written; Ctrl-C again to quit now)");
                        err.flush();
                        firstPress.run();
                    } else {
                        err.println("quitting; resume from the last epoch's checkpoint with ./resnet4j train --resume DIR");
                        err.flush();
                        Runtime.getRuntime().halt(130);
                    }
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
}
