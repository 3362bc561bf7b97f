package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Ctrl-C once stops after the epoch; twice quits, naming the run directory to resume. */
class InterruptsTest {
    @Test
    void secondPressQuitsNamingTheRunDirectory() {
        StringWriter text = new StringWriter();
        AtomicInteger stops = new AtomicInteger(), halts = new AtomicInteger();
        Path run = Path.of("runs", "fashion-mnist-resnet20-2");
        Interrupts.Presses presses = new Interrupts.Presses(stops::incrementAndGet, new PrintWriter(text), run,
                halts::incrementAndGet);
        presses.press();
        assertThat(stops).hasValue(1);
        assertThat(halts).hasValue(0);
        assertThat(text.toString()).contains("stopping after this epoch");
        presses.press();
        assertThat(stops).hasValue(1);
        assertThat(halts).hasValue(1);
        assertThat(text.toString()).contains("./resnet4j train --resume " + run).doesNotContain("--resume DIR");
    }
}
