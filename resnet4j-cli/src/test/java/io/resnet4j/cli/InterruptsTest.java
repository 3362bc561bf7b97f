package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.train.Trainer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C in train once stops after the epoch, twice quits, naming the run directory to resume; SIGTERM quits at
 * once; in eval and experiment either removes the output directories the command created while they are empty, and
 * quits.
 * InterruptedCommandsTest sends the signal for real.
 */
class InterruptsTest {
    @TempDir
    Path dir;

    @Test
    void secondPressQuitsNamingTheRunDirectory() throws Exception {
        StringWriter text = new StringWriter();
        AtomicInteger stops = new AtomicInteger();
        List<Integer> halts = new ArrayList<>();
        Path run = Files.createDirectories(dir.resolve("runs/fashion-mnist-resnet20-2"));
        Files.writeString(run.resolve(Trainer.LAST), "an epoch's checkpoint");
        Interrupts.Presses presses = new Interrupts.Presses(stops::incrementAndGet, new PrintWriter(text), run,
                halts::add);
        presses.press();
        assertThat(stops).hasValue(1);
        assertThat(halts).isEmpty();
        assertThat(text.toString()).contains("stopping after this epoch");
        presses.press();
        assertThat(stops).hasValue(1);
        assertThat(halts).containsExactly(130);
        assertThat(text.toString()).contains("quitting; resume from the last epoch's checkpoint with "
                + "./resnet4j train --resume " + run).doesNotContain("--resume DIR");
    }

    @Test
    void sigtermQuitsAtOnceWith143() throws Exception {
        StringWriter text = new StringWriter();
        AtomicInteger stops = new AtomicInteger();
        List<Integer> halts = new ArrayList<>();
        Path run = Files.createDirectories(dir.resolve("run"));
        Interrupts.Presses presses = new Interrupts.Presses(stops::incrementAndGet, new PrintWriter(text), run,
                halts::add);
        presses.terminate();
        assertThat(stops).as("no waiting for the epoch's end").hasValue(0);
        assertThat(halts).containsExactly(143);
        assertThat(text.toString().strip()).as("no epoch finished yet: nothing to resume")
                .isEqualTo("terminated (SIGTERM); no epoch had finished, so there is no checkpoint to resume from");

        Files.writeString(run.resolve(Trainer.LAST), "an epoch's checkpoint");
        presses.press();
        presses.terminate();
        assertThat(stops).hasValue(1);
        assertThat(halts).containsExactly(143, 143);
        assertThat(text.toString()).contains("terminated (SIGTERM); resume from the last epoch's checkpoint with "
                + "./resnet4j train --resume " + run);
    }

    @Test
    void cleanupRemovesTheEmptyDirectoriesTheCommandCreated() {
        Path out = dir.resolve("new/out");
        List<Path> created = UserFiles.requireWritableDirectory("--out", out);
        StringWriter text = new StringWriter();
        AtomicInteger halts = new AtomicInteger();
        Interrupts.Cleanup cleanup = new Interrupts.Cleanup(new PrintWriter(text), code -> halts.incrementAndGet());
        cleanup.watch(out, created, "nothing written into " + out);
        cleanup.press();
        assertThat(dir.resolve("new")).doesNotExist();
        assertThat(text.toString().strip()).isEqualTo("interrupted; removed " + out
                + " (created by this command, still empty)");
        assertThat(halts).hasValue(1);
    }

    @Test
    void cleanupLeavesFilesAndTheUsersDirectories() throws Exception {
        Path had = Files.createDirectories(dir.resolve("had"));
        Files.writeString(had.resolve("notes.txt"), "mine");
        Path out = had.resolve("new");
        List<Path> created = UserFiles.requireWritableDirectory("--out", out);
        Files.writeString(out.resolve("experiment.json"), "{}");
        StringWriter text = new StringWriter();
        AtomicInteger halts = new AtomicInteger();
        Interrupts.Cleanup cleanup = new Interrupts.Cleanup(new PrintWriter(text), code -> halts.incrementAndGet());
        cleanup.watch(out, created, out + " is kept");
        cleanup.press();
        assertThat(out.resolve("experiment.json")).hasContent("{}");
        assertThat(had.resolve("notes.txt")).hasContent("mine");
        assertThat(text.toString().strip()).isEqualTo("interrupted; " + out + " is kept");

        Path empty = Files.createDirectories(dir.resolve("empty"));
        cleanup.watch(empty, UserFiles.requireWritableDirectory("--out", empty), "nothing written into " + empty);
        cleanup.press();
        assertThat(empty).isEmptyDirectory();
        assertThat(text.toString()).contains("interrupted; nothing written into " + empty);
        assertThat(halts).hasValue(2);
    }

    @Test
    void sigtermCleansUpAsCtrlCDoesWith143() {
        Path out = dir.resolve("new/out");
        List<Path> created = UserFiles.requireWritableDirectory("--out", out);
        StringWriter text = new StringWriter();
        List<Integer> halts = new ArrayList<>();
        Interrupts.Cleanup cleanup = new Interrupts.Cleanup(new PrintWriter(text), halts::add);
        cleanup.watch(out, created, "nothing written into " + out);
        cleanup.terminate();
        assertThat(dir.resolve("new")).doesNotExist();
        assertThat(text.toString().strip()).isEqualTo("terminated (SIGTERM); removed " + out
                + " (created by this command, still empty)");
        assertThat(halts).containsExactly(143);
    }

    @Test
    void aPressWaitsForTheResultsBeingWrittenAndKeepsThem() throws Exception {
        Path out = dir.resolve("out");
        List<Path> created = UserFiles.requireWritableDirectory("--out", out);
        StringWriter text = new StringWriter();
        AtomicInteger halts = new AtomicInteger();
        Interrupts.Cleanup cleanup = new Interrupts.Cleanup(new PrintWriter(text), code -> halts.incrementAndGet());
        cleanup.watch(out, created, "nothing written into " + out);
        CountDownLatch writing = new CountDownLatch(1), pressed = new CountDownLatch(1);
        Thread writer = new Thread(() -> cleanup.writing(() -> {
            writing.countDown();
            try {
                pressed.await();
                Thread.sleep(100);   // the press waits meanwhile
                Files.writeString(out.resolve("confusion.json"), "{}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "the results are written in " + out));
        writer.start();
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
        Thread press = new Thread(cleanup::press);
        press.start();
        pressed.countDown();
        press.join(10_000);
        writer.join(10_000);
        assertThat(out.resolve("confusion.json")).hasContent("{}");
        assertThat(text.toString().strip()).isEqualTo("interrupted; the results are written in " + out);
        assertThat(halts).hasValue(1);
    }
}
