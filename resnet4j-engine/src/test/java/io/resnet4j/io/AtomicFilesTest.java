package io.resnet4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
}
