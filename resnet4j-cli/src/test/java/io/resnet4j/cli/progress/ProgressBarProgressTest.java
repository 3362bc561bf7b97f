package io.resnet4j.cli.progress;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.cli.report.EpochMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarProgressTest {

    @Test
    void barShowsEpochLossAccuracySpeedAndEpochLineFollows() {
        ByteArrayOutputStream term = new ByteArrayOutputStream();
        StringWriter lines = new StringWriter();
        ProgressBarProgress p = new ProgressBarProgress(new PrintWriter(lines),
                new PrintStream(term, true, StandardCharsets.UTF_8));
        p.runStarted(1, 2, 10);
        for (int b = 1; b <= 10; b++) {
            p.batchEnded(1, b, 0.4321, 0.875, 250.0);
        }
        p.epochEnded(new EpochMetrics(1, 0.4321, 0.875, 0.5, 0.85, 0.05, 250.0));
        p.close();
        String bar = term.toString(StandardCharsets.UTF_8);
        assertThat(bar).contains("epoch 1/2").contains("loss 0.4321 acc 87.50% 250 img/s");
        assertThat(lines.toString()).startsWith("epoch 1/2  train loss 0.4321 acc 87.50%  test loss 0.5000 acc 85.00%");
    }
}
