package io.resnet4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    @Test
    void aFailingBodyLeavesTheTargetAndNoTemporaryFile() throws IOException {
        Path target = tmp.resolve("sub/model.safetensors");
        AtomicFiles.write(target, "old".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> AtomicFiles.writeWith(target, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap("half of the new".getBytes(StandardCharsets.UTF_8)));
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThatThrownBy(() -> AtomicFiles.writeWith(target, ch -> {
            throw new IllegalStateException("checksum mismatch");
        })).hasMessage("checksum mismatch");
        assertThat(Files.readString(target)).isEqualTo("old");
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("model.safetensors");
        }
    }

    @Test
    void deleteUnfinishedRemovesTheTemporaryFileOfAWriteInProgressAndTheWriteFails() throws Exception {
        Path target = tmp.resolve("last.safetensors");
        AtomicFiles.write(target, "epoch 1".getBytes(StandardCharsets.UTF_8));
        CountDownLatch writing = new CountDownLatch(1), halted = new CountDownLatch(1);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                AtomicFiles.writeWith(target, ch -> {
                    AtomicFiles.writeFully(ch, ByteBuffer.wrap("half of epoch 2".getBytes(StandardCharsets.UTF_8)));
                    writing.countDown();
                    try {
                        halted.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    AtomicFiles.writeFully(ch, ByteBuffer.wrap(" and the rest".getBytes(StandardCharsets.UTF_8)));
                });
                outcome.set(new AssertionError("the write went through"));
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        writer.start();
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(names(tmp)).hasSize(2).contains("last.safetensors")
                .anySatisfy(n -> assertThat(n).startsWith(".last.safetensors.").endsWith(".tmp"));
        AtomicFiles.deleteUnfinished();
        assertThat(names(tmp)).containsExactly("last.safetensors");
        halted.countDown();
        writer.join(10_000);
        assertThat(outcome.get()).isInstanceOf(IOException.class).hasMessageStartingWith("cannot write " + target);
        assertThat(Files.readString(target)).isEqualTo("epoch 1");
        assertThat(names(tmp)).containsExactly("last.safetensors");
    }

    private static java.util.List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedStepNamesTheTargetFirstAndLeavesNoTemporaryFile() throws IOException {
        // The target is a directory: refused before the body runs.
        Path dir = Files.createDirectories(tmp.resolve("out/model.safetensors"));
        boolean[] ran = {false};
        assertThatThrownBy(() -> AtomicFiles.writeWith(dir, ch -> ran[0] = true))
                .isInstanceOf(IOException.class).hasMessage("cannot write " + dir + ": it is a directory");
        assertThat(ran[0]).isFalse();
        assertThatThrownBy(() -> AtomicFiles.write(dir, new byte[1])).isInstanceOf(UncheckedIOException.class)
                .hasMessage("cannot write " + dir + ": it is a directory");
        // It becomes one while the file is written: the rename fails, after the target's name.
        Path raced = tmp.resolve("out/config.json");
        assertThatThrownBy(() -> AtomicFiles.writeWith(raced, ch -> Files.createDirectory(raced)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot write " + raced + ": ")
                .hasMessageEndingWith("(renaming the temporary file onto it)");
        // A regular file where its directory should be.
        Path file = tmp.resolve("notes.txt");
        Files.writeString(file, "notes");
        assertThatThrownBy(() -> AtomicFiles.writeString(file.resolve("report.html"), "x"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("cannot write " + file.resolve("report.html") + ": ")
                .hasMessageContaining("(creating the directory " + file + ")");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            // A directory that takes no files, even for root: the temporary file is only the step's detail.
            assertThatThrownBy(() -> AtomicFiles.write(Path.of("/proc/x.bin"), new byte[1]))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("cannot write /proc/x.bin: ")
                    .hasMessageEndingWith("(creating a temporary file in /proc)");
        }
        try (Stream<Path> files = Files.list(tmp.resolve("out"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("model.safetensors", "config.json");
        }
    }

    @Test
    void writesReplaceWholeFilesAsOrdinaryFilesAndAppendsAddLines() throws IOException {
        Path target = tmp.resolve("report.html");
        AtomicFiles.writeString(target, "a much longer first version");
        AtomicFiles.writeWith(target, ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap("v2".getBytes(StandardCharsets.UTF_8))));
        assertThat(Files.readString(target)).isEqualTo("v2");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
        Path log = tmp.resolve("metrics.jsonl");
        AtomicFiles.appendLine(log, "{\"epoch\": 1}");
        AtomicFiles.appendLine(log, "{\"epoch\": 2}");
        assertThat(Files.readAllLines(log)).containsExactly("{\"epoch\": 1}", "{\"epoch\": 2}");
    }

    /** An append that fails names the file it appends to, as a failed write names its file. */
    @Test
    void aFailedAppendNamesItsFile() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("metrics.jsonl"));
        assertThatThrownBy(() -> AtomicFiles.appendLine(dir, "{}")).isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageStartingWith("cannot append to " + dir + ": ")
                .hasCauseInstanceOf(AtomicFiles.WriteFailedException.class);
    }
}
