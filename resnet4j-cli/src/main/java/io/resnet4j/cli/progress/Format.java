package io.resnet4j.cli.progress;

import io.resnet4j.cli.report.EpochMetrics;
import java.util.Locale;

/** Shared wording of progress lines. */
public final class Format {
    private Format() {
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }

    /** A learning rate with at most 4 significant digits and no trailing zeros: 0.1, 0.0009549, 0. */
    public static String lr(double lr) {
        if (!Double.isFinite(lr)) {
            return "-";
        }
        return new java.math.BigDecimal(lr).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }

    static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    /** Share of an epoch's training time spent waiting for data from which the epoch line shows it. */
    static final double DATA_WAIT_SHOWN = 0.05;

    /** The one line printed at the end of each epoch, in both bar and log modes. */
    static String epochLine(EpochMetrics m, int lastEpoch, double etaSeconds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f acc %s", m.epoch(), lastEpoch,
                m.trainLoss(), percent(m.trainAcc())));
        if (m.hasTest()) {
            b.append(String.format(Locale.ROOT, "  test loss %.4f acc %s", m.testLoss(), percent(m.testAcc())));
        }
        if (!Double.isNaN(m.lr())) {
            b.append("  lr ").append(lr(m.lr()));
        }
        if (!Double.isNaN(m.imagesPerSecond())) {
            b.append(String.format(Locale.ROOT, "  %.1f img/s", m.imagesPerSecond()));
        }
        if (m.dataWaitShare() >= DATA_WAIT_SHOWN) {
            b.append(String.format(Locale.ROOT, "  waiting for data %.0f%%", 100 * m.dataWaitShare()));
        }
        if (m.epoch() < lastEpoch) {
            b.append("  ETA ").append(duration(etaSeconds));
        }
        return b.toString();
    }
}
