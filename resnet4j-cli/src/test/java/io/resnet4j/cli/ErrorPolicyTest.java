package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.io.CheckpointException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ErrorPolicyTest {

    @Test
    void messagesSpanOneLine() {
        assertThat(ErrorPolicy.oneLine("bad shape\n  expected (N,C,H,W)\r\n got (3,4)")).isEqualTo(
                "bad shape; expected (N,C,H,W); got (3,4)");
        assertThat(ErrorPolicy.oneLine(null)).isEqualTo("(no message)");
    }

    @Test
    void badInputIsExitCodeTwo() throws IOException {
        assertThat(ErrorPolicy.classify(new CheckpointException("x.safetensors: header truncated")).exitCode()).isEqualTo(2);
        assertThat(ErrorPolicy.classify(new IllegalArgumentException("k must be > 0")).exitCode()).isEqualTo(2);
        assertThat(ErrorPolicy.classify(new UncheckedIOException(new NoSuchFileException("w.safetensors"))))
                .isEqualTo(new ErrorPolicy.Outcome("file not found: w.safetensors (check the path)", 2));
        // AtomicFiles' failure names the file: shown as it is, with the hint a failed checkpoint write gives
        Path config = Path.of("runs", "a", "config.json");
        IOException full = AtomicFiles.failure(config, new IOException("disk full"));
        assertThat(ErrorPolicy.classify(new UncheckedIOException(full.getMessage(), full))).isEqualTo(
                new ErrorPolicy.Outcome("cannot write " + config + ": disk full" + AtomicFiles.WRITE_HINT, 2));
        assertThat(ErrorPolicy.classify(new UncheckedIOException(new IOException("disk full"))).line())
                .isEqualTo("I/O error: disk full");
        // a failed append (metrics.jsonl) names its file too
        Path dir = Files.createTempDirectory("errorpolicy");
        try {
            Path log = Files.createDirectory(dir.resolve("metrics.jsonl"));
            UncheckedIOException append = org.junit.jupiter.api.Assertions.assertThrows(UncheckedIOException.class,
                    () -> AtomicFiles.appendLine(log, "{}"));
            assertThat(ErrorPolicy.classify(append).line()).startsWith("cannot append to " + log + ": ")
                    .endsWith(AtomicFiles.WRITE_HINT);
        } finally {
            Files.delete(dir.resolve("metrics.jsonl"));
            Files.delete(dir);
        }
        ErrorPolicy.Outcome oom = ErrorPolicy.classify(new OutOfMemoryError("Java heap space"));
        assertThat(oom.exitCode()).isEqualTo(2);
        assertThat(oom.line()).contains("smaller --batch").contains("--recompute block").contains("JAVA_OPTS=-Xmx");
    }

    @Test
    void ourFaultsAreExitCodeOneWithoutTrace() {
        StringWriter err = new StringWriter();
        int code = ErrorPolicy.report(new NullPointerException("oops"), new PrintWriter(err), false);
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo(
                "error: internal error: java.lang.NullPointerException: oops (run with --debug for the stack trace and please report it)");
    }
}
