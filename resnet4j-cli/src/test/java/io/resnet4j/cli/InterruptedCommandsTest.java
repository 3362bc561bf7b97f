package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.data.DatasetSpec;
import io.resnet4j.experiment.DegradationExperiment;
import io.resnet4j.models.ModelCheckpoint;
import io.resnet4j.models.ModelRegistry;
import io.resnet4j.models.ResNet;
import io.resnet4j.models.ResNetSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C during eval and experiment, and SIGTERM during eval and train, for real: the CLI runs in a child JVM and
 * gets the signal (kill -INT, kill -TERM) once it has started working. What the command created goes; what the user
 * had stays as it was. Linux only: the child is started through GNU env's --default-signal.
 */
@EnabledOnOs(OS.LINUX)
class InterruptedCommandsTest {
    /** How long the child may take to reach the interrupted phase, and to quit after the signal. */
    private static final long TIMEOUT_SECONDS = 120;

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeCheckpoint() {
        // resnet56 at batch 1: an evaluation of the bundled test images that lasts long enough to be interrupted
        ResNetSpec spec = ModelRegistry.spec("resnet56").withInputChannels(1);
        model = dir.resolve("model.safetensors");
        ModelCheckpoint.save(model, ResNet.build(spec, 3), new ModelCheckpoint.ModelCard("resnet56", spec,
                DatasetSpec.FASHION_MNIST.classNames(),
                new ModelCheckpoint.Normalization(List.of(0.2860), List.of(0.3530))),
                Map.of(Networks.IMAGE_SIZE, "28", Networks.RESIZE, "28", Networks.DATASET, "bundled"));
    }

    @Test
    void anInterruptedEvalRemovesTheOutDirectoriesItCreated() throws Exception {
        Path out = dir.resolve("new/eval");
        Interrupted r = interrupt("evaluating", "eval", "--checkpoint", model.toString(), "--batch", "1",
                "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(TrainCommand.STOPPED);
        assertThat(dir.resolve("new")).as("--out and its parent, both created by eval").doesNotExist();
        assertThat(r.err()).contains("interrupted; removed " + out + " (created by this command, still empty)")
                .doesNotContain("Exception");
    }

    @Test
    void anInterruptedEvalLeavesTheUsersOutDirectoryAsItWas() throws Exception {
        Path had = Files.createDirectories(dir.resolve("had-eval"));
        Files.writeString(had.resolve("notes.txt"), "mine");
        Interrupted r = interrupt("evaluating", "eval", "--checkpoint", model.toString(), "--batch", "1",
                "--out", had.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(TrainCommand.STOPPED);
        assertThat(r.err()).contains("interrupted; nothing written into " + had);
        assertThat(list(had)).containsExactly("notes.txt");
        assertThat(Files.readString(had.resolve("notes.txt"))).isEqualTo("mine");
    }

    @Test
    void anInterruptedExperimentKeepsItsFilesAndTheUsersForTheSameCommandToContinue() throws Exception {
        Path had = Files.createDirectories(dir.resolve("had-exp"));
        Files.writeString(had.resolve("notes.txt"), "mine");
        Interrupted r = interrupt("[1/2] plain8 seed 1", "experiment", "degradation", "--dataset", "bundled",
                "--depths", "8", "--epochs", "100", "--subset", "512", "--test-subset", "64", "--batch", "16",
                "--probe-images", "16", "--out", had.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(TrainCommand.STOPPED);
        assertThat(r.err()).contains("interrupted; " + had + " is kept; run the same command again to continue");
        assertThat(had.resolve(DegradationExperiment.CONFIG_FILE)).isRegularFile();
        assertThat(Files.readString(had.resolve("notes.txt"))).isEqualTo("mine");
    }

    @Test
    void sigtermDuringEvalRemovesTheOutDirectoriesItCreatedAndExitsWith143() throws Exception {
        Path out = dir.resolve("term/eval");
        Interrupted r = signal("TERM", "evaluating", "eval", "--checkpoint", model.toString(), "--batch", "1",
                "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(Interrupts.SIGTERM_EXIT);
        assertThat(dir.resolve("term")).as("--out and its parent, both created by eval").doesNotExist();
        assertThat(r.err()).contains("terminated (SIGTERM); removed " + out + " (created by this command, still empty)")
                .doesNotContain("Exception");
    }

    @Test
    void sigtermDuringTrainingQuitsAtOnceNamingTheCheckpointToResume() throws Exception {
        Path run = dir.resolve("term-run");
        Interrupted r = signal("TERM", "epoch 1/", "train", "--dataset", "bundled", "--model", "resnet8",
                "--epochs", "1000", "--train-limit", "64", "--test-limit", "32", "--batch", "32",
                "--out", run.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(Interrupts.SIGTERM_EXIT);
        assertThat(r.err()).contains("terminated (SIGTERM); resume from the last epoch's checkpoint with "
                + "./resnet4j train --resume " + run).doesNotContain("Exception");
        assertThat(run.resolve("last.safetensors")).isNotEmptyFile();
        assertThat(run.resolve("model.safetensors")).as("the run did not get to its end").doesNotExist();
        assertThat(list(run)).as("no temporary file of a checkpoint being written when the signal came")
                .noneMatch(n -> n.endsWith(".tmp"));
    }

    /** The child's exit code and stderr. */
    private record Interrupted(int exitCode, String err) {
    }

    /** {@link #signal} with SIGINT. */
    private static Interrupted interrupt(String marker, String... args) throws IOException, InterruptedException {
        return signal("INT", marker, args);
    }

    /**
     * Runs the CLI with args in a child JVM (working directory: the test's directory), sends it the signal (INT,
     * TERM) once its stdout shows marker, and waits for it to end.
     */
    private static Interrupted signal(String name, String marker, String... args)
            throws IOException, InterruptedException {
        // A process started in the background without job control (as CI may run the build) ignores SIGINT, and
        // so would its children: the JVM then installs no handler for it. GNU env (coreutils 8.31+) restores the
        // default disposition before it starts the child JVM.
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT,TERM",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"), "-Xmx1g", "-Djava.awt.headless=true",
                Main.class.getName()));
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile(dir, "child.", ".out");
        Path stderr = Files.createTempFile(dir, "child.", ".err");
        Process child = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (!Files.readString(stdout, StandardCharsets.UTF_8).contains(marker)) {
                assertThat(child.isAlive()).as("the child ended before '%s':%n%s%s", marker,
                        Files.readString(stdout), Files.readString(stderr)).isTrue();
                assertThat(System.nanoTime()).as("the child did not print '%s' in time", marker).isLessThan(deadline);
                Thread.sleep(50);
            }
            // the shell's own kill: procps (/bin/kill) is not on every Debian machine
            Process kill = new ProcessBuilder("sh", "-c", "kill -" + name + " \"$0\"", Long.toString(child.pid()))
                    .inheritIO().start();
            assertThat(kill.waitFor()).isZero();
            assertThat(child.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("the child quit after SIG" + name).isTrue();
            return new Interrupted(child.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8));
        } finally {
            child.destroyForcibly();
        }
    }

    private static List<String> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
