package io.resnet4j.cli.progress;

import io.resnet4j.cli.report.EpochMetrics;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress for logs and pipes: a line every {@link #INTERVAL_NANOS} within an epoch (so a long epoch shows it
 * is alive) and one line per finished epoch, each with an ETA for the whole run.
 */
final class LogLineProgress implements TrainingProgress {
    static final long INTERVAL_NANOS = 30_000_000_000L;

    private final PrintWriter out;
    private final LongSupplier clock;
    private int firstEpoch;
    private int lastEpoch;
    private int batchesPerEpoch;
    private long startNanos;
    private long lastLineNanos;

    LogLineProgress(PrintWriter out, LongSupplier clock) {
        this.out = out;
        this.clock = clock;
    }

    @Override
    public void runStarted(int firstEpoch, int lastEpoch, int batchesPerEpoch) {
        this.firstEpoch = firstEpoch;
        this.lastEpoch = lastEpoch;
        this.batchesPerEpoch = batchesPerEpoch;
        this.startNanos = clock.getAsLong();
        this.lastLineNanos = startNanos;
    }

    @Override
    public void batchEnded(int epoch, int batch, double loss, double accuracy, double imagesPerSecond) {
        long now = clock.getAsLong();
        if (now - lastLineNanos < INTERVAL_NANOS || batch == batchesPerEpoch) {
            return;
        }
        lastLineNanos = now;
        out.println(String.format(Locale.ROOT, "epoch %d/%d  step %d/%d  loss %.4f acc %s  %.1f img/s  ETA %s",
                epoch, lastEpoch, batch, batchesPerEpoch, loss, Format.percent(accuracy), imagesPerSecond,
                Format.duration(eta(epoch, batch, now))));
        out.flush();
    }

    @Override
    public void epochEnded(EpochMetrics m) {
        long now = clock.getAsLong();
        lastLineNanos = now;
        out.println(Format.epochLine(m, lastEpoch, eta(m.epoch(), batchesPerEpoch, now)));
        out.flush();
    }

    /** Seconds left, assuming the remaining steps run at the mean speed so far. */
    private double eta(int epoch, int batch, long now) {
        long totalSteps = (long) (lastEpoch - firstEpoch + 1) * batchesPerEpoch;
        long done = (long) (epoch - firstEpoch) * batchesPerEpoch + batch;
        if (done <= 0) {
            return Double.NaN;
        }
        double elapsed = (now - startNanos) / 1e9;
        return elapsed / done * (totalSteps - done);
    }

    @Override
    public void close() {
        out.flush();
    }
}
