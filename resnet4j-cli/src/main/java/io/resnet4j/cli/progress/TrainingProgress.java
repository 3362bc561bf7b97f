package io.resnet4j.cli.progress;

import io.resnet4j.cli.report.EpochMetrics;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Method;

/**
 * What the command line shows while a model trains. The training loop (through an adapter to the trainer's
 * listener) calls {@link #runStarted} once, {@link #batchEnded} after every optimiser step, {@link #epochEnded}
 * after each epoch's evaluation, and {@link #close} at the end.
 */
public interface TrainingProgress extends AutoCloseable {

    /** Epochs {@code firstEpoch..lastEpoch} (1-based, inclusive) of {@code batchesPerEpoch} steps each. */
    void runStarted(int firstEpoch, int lastEpoch, int batchesPerEpoch);

    /**
     * Step {@code batch} (1-based) of {@code epoch} is done; {@code loss} and {@code accuracy} are running means
     * over the epoch so far, {@code imagesPerSecond} the epoch's training speed so far.
     */
    void batchEnded(int epoch, int batch, double loss, double accuracy, double imagesPerSecond);

    /** The epoch's final numbers (test fields NaN when not evaluated). */
    void epochEnded(EpochMetrics metrics);

    @Override
    void close();

    /**
     * A progress bar when stdout is an interactive terminal, plain log lines otherwise, nothing with
     * {@code quiet}.
     */
    static TrainingProgress create(PrintWriter out, PrintStream terminal, boolean quiet) {
        if (quiet) {
            return new QuietProgress();
        }
        if (interactiveTerminal()) {
            return new ProgressBarProgress(out, terminal);
        }
        return new LogLineProgress(out, System::nanoTime);
    }

    /**
     * True when the JVM is attached to a terminal. On JDK 22+ {@code System.console()} is non-null even when
     * output is redirected, so {@code Console.isTerminal()} (JDK 22) is asked when it exists.
     */
    static boolean interactiveTerminal() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            Method isTerminal = java.io.Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(c);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
