package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.models.ModelRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** models, summary and bench on the registry. */
class ModelCommandsTest {

    @Test
    void modelsListsEveryRegistryNameWithItsParameterCount() {
        Cli.Result r = Cli.run("models");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        for (String name : ModelRegistry.names()) {
            assertThat(lines).as(name).filteredOn(l -> l.startsWith(name + " ")).hasSize(1);
        }
        assertThat(lines).anyMatch(l -> l.matches("resnet50 +25,557,032 +50 .*"))
                .anyMatch(l -> l.matches("resnet20 +269,722 +20 .*"))
                .anyMatch(l -> l.matches("resnet1202 +19,421,274 +1202 .*"))
                .anyMatch(l -> l.matches("wrn-16-4 +2,748,890 +16 .*"))       // the name's depth, 6n+4
                .anyMatch(l -> l.matches("wrn-28-10 +36,479,194 +28 .*"));
    }

    @Test
    void summaryOfResnet50EndsWithTotals() {
        Cli.Result r = Cli.run("summary", "--model", "resnet50");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        List<String> tail = lines.subList(lines.size() - 4, lines.size());
        assertThat(tail).contains("Total params: 25,557,032")
                .anyMatch(l -> l.startsWith("Total mult-adds (conv + linear): 4,089,184,256"));
        assertThat(r.out()).contains("layer4.2.conv3 (Conv2d)").contains("(1, 2048, 7, 7)");
    }

    @Test
    void summaryWithOptions() {
        Cli.Result r = Cli.run("summary", "--model", "resnet20", "--in-channels", "1", "--num-classes", "7",
                "--input-size", "28");
        assertThat(r.exitCode()).as(r.err()).isZero();
        // conv1 1 -> 16 (144 weights) instead of 3 -> 16 (432); fc 64 -> 7 (455) instead of 64 -> 10 (650).
        assertThat(r.out()).contains("Total params: " + String.format("%,d", 269_722 - 432 + 144 - 650 + 455))
                .contains("Input shape: (1, 1, 28, 28)").contains("fc (Linear)").contains("(1, 7)");
    }

    @Test
    void unknownOrImpossibleModelIsOneLine() {
        String line = ErrorPathsTest.oneLineError(Cli.run("summary", "--model", "resnet51"));
        assertThat(line).contains("--model").contains("6n+2");
        line = ErrorPathsTest.oneLineError(Cli.run("summary", "--model", "resnet99999999999"));
        assertThat(line).contains("--model").contains("6n+2").contains("got 99999999999")
                .doesNotContain("unknown model");
        line = ErrorPathsTest.oneLineError(Cli.run("summary", "--model", "wrn-28-12345"));
        assertThat(line).contains("--model").contains("widening factor k from 1 to 1024").contains("got 12345")
                .doesNotContain("unknown model");
        line = ErrorPathsTest.oneLineError(Cli.run("bench", "--model", "alexnet", "--batch", "1"));
        assertThat(line).contains("unknown model alexnet").contains("resnet50");
        line = ErrorPathsTest.oneLineError(Cli.run("summary", "--model", "plain18", "--num-classes", "2000000"));
        assertThat(line).contains("--num-classes must be between");
    }

    @Test
    void benchPrintsMedianImagesPerSecond() {
        Cli.Result r = Cli.run("bench", "--model", "resnet8", "--batch", "2", "--mode", "infer", "--input-size", "8",
                "--warmup", "1", "--warmup-seconds", "0", "--blocks", "3", "--steps", "1", "--threads", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertThat(last).matches("img/s: \\d+\\.\\d");
        assertThat(Double.parseDouble(last.substring("img/s: ".length()))).isPositive();
        assertThat(r.out()).contains("blocks (img/s):").contains("1 thread;");
    }

    @Test
    void benchRunsTheFrozenNetwork() {
        Cli.Result r = Cli.run("bench", "--model", "resnet8", "--batch", "2", "--mode", "frozen", "--input-size", "8",
                "--warmup", "1", "--warmup-seconds", "0", "--blocks", "2", "--steps", "1", "--threads", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("frozen mode").containsPattern("img/s: \\d+\\.\\d");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("bench", "--model", "resnet8", "--mode", "frozen", "--recompute",
                "block"))).contains("--recompute applies to --mode train");
    }

    @Test
    void benchTrainsWithRecomputation() {
        Cli.Result r = Cli.run("bench", "--model", "resnet8", "--batch", "2", "--mode", "train", "--input-size", "8",
                "--warmup", "1", "--warmup-seconds", "0", "--blocks", "1", "--steps", "1", "--recompute", "block");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("train mode, recompute per residual unit").containsPattern("img/s: \\d+\\.\\d");
        String line = ErrorPathsTest.oneLineError(Cli.run("bench", "--model", "resnet8", "--mode", "infer", "--recompute",
                "stage"));
        assertThat(line).contains("--recompute applies to --mode train");
        assertThat(ErrorPathsTest.oneLineError(Cli.run("bench", "--model", "resnet8", "--warmup-seconds", "-1")))
                .contains("--warmup-seconds must be between 0 and 3600, got -1.0");
    }
}
