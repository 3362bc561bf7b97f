package io.resnet4j.cli.progress;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.cli.report.EpochMetrics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogLineProgressTest {

    @Test
    void epochLinesWithEtaAndPeriodicStepLines() {
        long[] now = {0};
        StringWriter sink = new StringWriter();
        LogLineProgress p = new LogLineProgress(new PrintWriter(sink), () -> now[0]);
        p.runStarted(1, 2, 100);
        for (int b = 1; b <= 100; b++) {
            now[0] += 1_000_000_000L; // 1 s per step
            p.batchEnded(1, b, 0.5, 0.75, 128.0);
        }
        p.epochEnded(new EpochMetrics(1, 0.5, 0.75, 0.6, 0.7, 0.1, 128.0));
        p.close();
        List<String> lines = sink.toString().lines().toList();
        // Step lines every 30 s of a 100 s epoch: at 30, 60 and 90 s; ETA = 30 s / 30 steps * 170 steps left.
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("epoch 1/2  step 30/100  loss 0.5000 acc 75.00%  128.0 img/s  ETA 2m50s");
        assertThat(lines.get(3)).isEqualTo(
                "epoch 1/2  train loss 0.5000 acc 75.00%  test loss 0.6000 acc 70.00%  lr 0.1  128.0 img/s  ETA 1m40s");
    }

    @Test
    void lastEpochHasNoEtaAndMissingTestIsOmitted() {
        StringWriter sink = new StringWriter();
        LogLineProgress p = new LogLineProgress(new PrintWriter(sink), () -> 0L);
        p.runStarted(3, 3, 10);
        p.epochEnded(new EpochMetrics(3, 0.25, 0.9, Double.NaN, Double.NaN, 0.001, 99.5));
        assertThat(sink.toString().strip()).isEqualTo("epoch 3/3  train loss 0.2500 acc 90.00%  lr 0.001  99.5 img/s");
    }

    @Test
    void waitingForDataShowsFromFivePercent() {
        StringWriter sink = new StringWriter();
        LogLineProgress p = new LogLineProgress(new PrintWriter(sink), () -> 0L);
        p.runStarted(3, 3, 10);
        p.epochEnded(new EpochMetrics(3, 0.25, 0.9, Double.NaN, Double.NaN, 0.001, 99.5, 0.049));
        p.epochEnded(new EpochMetrics(3, 0.25, 0.9, Double.NaN, Double.NaN, 0.001, 99.5, 0.236));
        assertThat(sink.toString().lines().toList()).containsExactly(
                "epoch 3/3  train loss 0.2500 acc 90.00%  lr 0.001  99.5 img/s",
                "epoch 3/3  train loss 0.2500 acc 90.00%  lr 0.001  99.5 img/s  waiting for data 24%");
    }

    @Test
    void learningRates() {
        assertThat(Format.lr(0.1)).isEqualTo("0.1");
        assertThat(Format.lr(0.00954915)).isEqualTo("0.009549");
        assertThat(Format.lr(0)).isEqualTo("0");
    }

    @Test
    void durations() {
        assertThat(Format.duration(59.4)).isEqualTo("59s");
        assertThat(Format.duration(61)).isEqualTo("1m01s");
        assertThat(Format.duration(3 * 3600 + 125)).isEqualTo("3h02m");
        assertThat(Format.duration(Double.NaN)).isEqualTo("?");
    }
}
