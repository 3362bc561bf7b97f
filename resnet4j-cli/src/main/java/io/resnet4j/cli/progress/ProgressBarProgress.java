package io.resnet4j.cli.progress;

import io.resnet4j.cli.report.EpochMetrics;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * An interactive progress bar (me.tongfei:progressbar) per epoch with loss, accuracy, img/s and the epoch's ETA;
 * a finished epoch leaves one summary line above the next bar.
 */
final class ProgressBarProgress implements TrainingProgress {
    private final PrintWriter out;
    private final PrintStream terminal;
    private int lastEpoch;
    private int batchesPerEpoch;
    private int firstEpoch;
    private long startNanos;
    private ProgressBar bar;

    ProgressBarProgress(PrintWriter out, PrintStream terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void runStarted(int firstEpoch, int lastEpoch, int batchesPerEpoch) {
        this.firstEpoch = firstEpoch;
        this.lastEpoch = lastEpoch;
        this.batchesPerEpoch = batchesPerEpoch;
        this.startNanos = System.nanoTime();
    }

    @Override
    public void batchEnded(int epoch, int batch, double loss, double accuracy, double imagesPerSecond) {
        if (bar == null) {
            out.flush();
            bar = new ProgressBarBuilder()
                    .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, lastEpoch))
                    .setInitialMax(batchesPerEpoch)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(terminal))
                    .clearDisplayOnFinish()
                    .build();
        }
        bar.stepTo(batch);
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %s %.0f img/s", loss,
                Format.percent(accuracy), imagesPerSecond));
    }

    @Override
    public void epochEnded(EpochMetrics m) {
        closeBar();
        long done = (long) (m.epoch() - firstEpoch + 1) * batchesPerEpoch;
        long total = (long) (lastEpoch - firstEpoch + 1) * batchesPerEpoch;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        out.println(Format.epochLine(m, lastEpoch, done == 0 ? Double.NaN : elapsed / done * (total - done)));
        out.flush();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
            terminal.flush();
        }
    }

    @Override
    public void close() {
        closeBar();
        out.flush();
    }
}
