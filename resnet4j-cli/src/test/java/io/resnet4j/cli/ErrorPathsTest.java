package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad input ends with one line on stderr (what, where, what to do), exit code 2, no stack trace. */
class ErrorPathsTest {

    @TempDir
    Path tmp;

    /** Asserts the error policy and returns the one error line. */
    static String oneLineError(Cli.Result r) {
        assertThat(r.exitCode()).as("exit code; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.errLines()).as("stderr lines").hasSize(1);
        String line = r.errLines()[0];
        assertThat(line).startsWith("error: ");
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.out()).as("stdout of a failed command").isEmpty();
        return line;
    }

    @Test
    void unknownSubcommandNamesItAndSuggests() {
        String line = oneLineError(Cli.run("trian"));
        assertThat(line).contains("unknown command 'trian'").contains("did you mean train").contains("resnet4j --help");
    }

    @Test
    void unknownOptionNamesItAndTheCommand() {
        String line = oneLineError(Cli.run("train", "--epoch", "3"));
        assertThat(line).contains("'--epoch'").contains("resnet4j train").contains("--epochs");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "train --batch 0                      | --batch must be between 1 and 65536, got 0",
        "train --epochs -2                    | --epochs must be between 1 and 100000, got -2",
        "train --lr -0.1                      | --lr must be between",
        "train --momentum 1.5                 | --momentum must be between",
        "train --weight-decay 2               | --weight-decay must be between",
        "train --threads 0                    | --threads must be between 1 and 1024, got 0",
        "train --schedule linear              | Invalid value for option '--schedule'",
        "train --recompute layer              | expected one of [none, block, stage]",
        "train --batch many                   | Invalid value for option '--batch'",
        "bench --model resnet20 --batch 0     | --batch must be between 1 and 65536, got 0",
        "bench --model resnet20 --mode fit    | expected one of [train, infer, frozen]",
        "bench --model resnet20 --blocks 0    | --blocks must be between 1",
        "bench --batch 8                      | --model is required",
        "summary --model resnet50 --in-channels 0 | --in-channels must be between 1 and 4096, got 0",
        "summary --model resnet50 --input-size -1 | --input-size must be between",
        "summary --model resnet50 --num-classes 0 | --num-classes must be between",
        "summary                              | --model is required",
        "eval --batch 8                       | give --checkpoint FILE (written by train) or --model FILE.onnx",
        "eval --checkpoint x --batch 0        | --batch must be between",
        "predict x.png                        | give --checkpoint FILE, or --model NAME with --weights",
        "predict --checkpoint c --top 0 x.png | --top must be between",
        "predict --checkpoint c               | Missing required parameter: 'FILE'",
    })
    void outOfRangeAndMalformedFlags(String args, String expected) {
        String line = oneLineError(Cli.run(args.trim().split("\\s+")));
        assertThat(line).contains(expected.trim()).contains("--help");
    }

    @Test
    void reportOfMissingDirectory() {
        String line = oneLineError(Cli.run("report", tmp.resolve("nope").toString()));
        assertThat(line).contains("run directory not found").contains("nope");
    }

    @Test
    void reportWithoutMetrics() {
        String line = oneLineError(Cli.run("report", tmp.toString()));
        assertThat(line).contains("file not found").contains("metrics.jsonl").contains("./resnet4j train");
    }

    @Test
    void reportOfTruncatedMetricsNamesFileAndLine() throws IOException {
        Files.writeString(tmp.resolve("metrics.jsonl"),
                "{\"epoch\": 1, \"train_loss\": 0.5}\n{\"epoch\": 2, \"train_lo", StandardCharsets.UTF_8);
        String line = oneLineError(Cli.run("report", tmp.toString()));
        assertThat(line).contains("metrics.jsonl line 2").contains("truncated");
    }

    @Test
    void reportOfMetricsWithoutRequiredField() throws IOException {
        Files.writeString(tmp.resolve("metrics.jsonl"), "{\"epoch\": 1, \"test_acc\": 0.5}\n", StandardCharsets.UTF_8);
        String line = oneLineError(Cli.run("report", tmp.toString()));
        assertThat(line).contains("line 1").contains("\"train_loss\"");
    }

    @Test
    void reportOfMetricsWithWrongType() throws IOException {
        Files.writeString(tmp.resolve("metrics.jsonl"), "{\"epoch\": 1, \"train_loss\": \"low\"}\n", StandardCharsets.UTF_8);
        String line = oneLineError(Cli.run("report", tmp.toString()));
        assertThat(line).contains("\"train_loss\" must be a number");
    }

    @Test
    void reportOfEmptyMetrics() throws IOException {
        Files.writeString(tmp.resolve("metrics.jsonl"), "\n", StandardCharsets.UTF_8);
        String line = oneLineError(Cli.run("report", tmp.toString()));
        assertThat(line).contains("no epochs yet");
    }

    @Test
    void reportOfCorruptConfusionMatrix() throws IOException {
        Files.writeString(tmp.resolve("metrics.jsonl"), "{\"epoch\": 1, \"train_loss\": 0.5}\n", StandardCharsets.UTF_8);
        Files.writeString(tmp.resolve("confusion.json"), "{\"classes\": [\"a\", \"b\"], \"matrix\": [[1, 2]]}",
                StandardCharsets.UTF_8);
        String line = oneLineError(Cli.run("report", tmp.toString()));
        assertThat(line).contains("confusion.json").contains("1 rows for 2 classes");
    }

    @Test
    void reportOfCorruptConfig() throws IOException {
        Files.writeString(tmp.resolve("metrics.jsonl"), "{\"epoch\": 1, \"train_loss\": 0.5}\n", StandardCharsets.UTF_8);
        Files.writeString(tmp.resolve("config.json"), "[1, 2", StandardCharsets.UTF_8);
        String line = oneLineError(Cli.run("report", tmp.toString()));
        assertThat(line).contains("config.json").contains("not a JSON object");
    }

    @Test
    void reportWhenAPlotIsADirectory() throws IOException {
        Files.writeString(tmp.resolve("metrics.jsonl"), "{\"epoch\": 1, \"train_loss\": 0.5}\n",
                StandardCharsets.UTF_8);
        Files.createDirectories(tmp.resolve("loss.png"));
        String line = oneLineError(Cli.run("report", tmp.toString()));
        assertThat(line).isEqualTo("error: cannot write " + tmp.resolve("loss.png") + ": it is a directory");
    }

    @Test
    void emptyPathsAreRefused() {
        for (String[] args : new String[][] {{"datasets", "--cache-dir", ""}, {"report", ""},
            {"eval", "--checkpoint", ""}, {"experiment", "degradation", "--out", ""}}) {
            assertThat(oneLineError(Cli.run(args))).contains("the path is empty");
        }
    }

    /** eval's and predict's path options, one case each, so that a regression names its option. */
    @ParameterizedTest(name = "{1}")
    @MethodSource("emptyPathsOfEvalAndPredict")
    void emptyPathsOfEvalAndPredictAreRefused(String option, List<String> args) {
        // The other paths name no file: without the converter each case fails otherwise (file not found, not .onnx).
        assertThat(oneLineError(Cli.run(args.toArray(new String[0])))).contains(option).contains("the path is empty");
    }

    static Stream<Arguments> emptyPathsOfEvalAndPredict() {
        return Stream.of(
                Arguments.of("'--data-dir'", List.of("eval", "--checkpoint", "absent.safetensors", "--data-dir", "")),
                Arguments.of("'--cache-dir'", List.of("eval", "--checkpoint", "absent.safetensors", "--cache-dir", "")),
                Arguments.of("'--model'", List.of("eval", "--model", "")),
                Arguments.of("'--checkpoint'", List.of("predict", "--checkpoint", "", "absent.png")),
                Arguments.of("'--weights'", List.of("predict", "--model", "resnet8", "--weights", "", "absent.png")),
                Arguments.of("'--classes'",
                        List.of("predict", "--checkpoint", "absent.safetensors", "--classes", "", "absent.png")),
                Arguments.of("(FILE)", List.of("predict", "--checkpoint", "absent.safetensors", "")));
    }

    @Test
    void debugFlagPrintsTheStackTrace() {
        Cli.Result r = Cli.run("report", tmp.resolve("nope").toString(), "--debug");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.errLines()[0]).startsWith("error: run directory not found");
        assertThat(r.err()).contains("\tat io.resnet4j.cli");
    }

    @Test
    void noCommandPrintsUsage() {
        Cli.Result r = Cli.run();
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: resnet4j").contains("Examples:");
    }
}
