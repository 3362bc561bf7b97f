package io.resnet4j.cli;

import io.resnet4j.experiment.DegradationResults;
import io.resnet4j.experiment.NetKind;
import io.resnet4j.experiment.RunKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code resnet4j experiment degradation}: help, the error policy, and a tiny run end to end. */
class ExperimentCommandTest {
    @TempDir
    Path dir;

    @Test
    void helpEndsWithRunnableExamples() {
        Cli.Result r = Cli.run("experiment", "degradation", "--help");
        assertThat(r.exitCode()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(r.out()).contains("Examples:").contains("--depths").contains("--seeds").contains("--subset");
        assertThat(lines[lines.length - 1]).startsWith("  ./resnet4j experiment degradation");
        assertThat(r.err()).doesNotContain("WARN");
        assertThat(Cli.run("experiment", "--help").out()).contains("degradation");
    }

    @Test
    void badOptionsAreOneLineAndExitCode2() {
        assertOneLineError(Cli.run("experiment", "degradation", "--depths", "20,21", "--out", dir.toString()),
                "depth 21 is not a CIFAR ResNet depth");
        assertOneLineError(Cli.run("experiment", "degradation", "--seeds", "one"), "--seeds takes a count N");
        assertOneLineError(Cli.run("experiment", "degradation", "--epochs", "0"), "--epochs must be between 1");
        assertOneLineError(Cli.run("experiment", "degradation", "--report-only"), "--report-only needs --out");
        assertOneLineError(Cli.run("experiment", "degradation", "--report-only", "--out", dir.resolve("none").toString()),
                "holds no experiment");
        assertOneLineError(Cli.run("experiment", "degradation", "--schedule", "linear"), "--schedule");
    }

    @Test
    void outIsCheckedBeforeTheDataAndTheTraining() throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "keep me");
        Cli.Result r = Cli.run("experiment", "degradation", "--dataset", "bundled", "--depths", "8", "--epochs", "1",
                "--subset", "32", "--test-subset", "16", "--batch", "16", "--probe-images", "16",
                "--out", file.toString());
        assertOneLineError(r, "--out " + file + " is a file; give a directory");
        assertThat(r.out()).as("nothing ran").isEmpty();
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void aFailedExperimentRemovesTheOutDirectoryItCreated() throws Exception {
        Path out = dir.resolve("new/exp");
        assertOneLineError(Cli.run("experiment", "degradation", "--dataset", "bundled", "--depths", "20,21",
                "--out", out.toString()), "depth 21 is not a CIFAR ResNet depth");
        assertThat(dir.resolve("new")).doesNotExist();
        Path had = Files.createDirectories(dir.resolve("had"));
        assertOneLineError(Cli.run("experiment", "degradation", "--dataset", "bundled", "--depths", "20,21",
                "--out", had.toString()), "depth 21 is not a CIFAR ResNet depth");
        assertThat(had).isEmptyDirectory();
    }

    private static void assertOneLineError(Cli.Result r, String text) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(ErrorPolicy.BAD_INPUT);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines()[0]).startsWith("error: ").contains(text);
    }

    @Test
    void aTinyRunWritesResultsAndTheReportAndASecondRunSkipsEverything() throws Exception {
        Path out = dir.resolve("exp");
        String[] args = {"experiment", "degradation", "--dataset", "bundled", "--depths", "8", "--epochs", "1",
            "--subset", "32", "--test-subset", "16", "--batch", "16", "--probe-images", "16", "--out", out.toString()};
        Cli.Result r = Cli.run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("[1/2] plain8 seed 1").contains("[2/2] resnet8 seed 1").contains("| 8 |")
                .contains("report.html");
        DegradationResults results = DegradationResults.load(out);
        assertThat(results.finished(new RunKey(NetKind.PLAIN, 8, 1))).isTrue();
        assertThat(results.finished(new RunKey(NetKind.RESIDUAL, 8, 1))).isTrue();
        assertThat(out.resolve("report").resolve("errors.png")).exists();
        assertThat(out.resolve("report").resolve("report.md")).exists();

        Cli.Result again = Cli.run(args);
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).contains("(resuming: finished networks are skipped)")
                .contains("plain8 seed 1: finished before, skipped").contains("resnet8 seed 1: finished before, skipped");
        Cli.Result other = Cli.run(args[0], args[1], "--dataset", "bundled", "--depths", "8", "--epochs", "2", "--subset", "32",
                "--test-subset", "16", "--batch", "16", "--probe-images", "16", "--out", out.toString());
        assertOneLineError(other, "epochs was 1, now 2");
        assertThat(Files.readString(out.resolve("report").resolve("report.md"))).contains("| 8 |");
    }
}
