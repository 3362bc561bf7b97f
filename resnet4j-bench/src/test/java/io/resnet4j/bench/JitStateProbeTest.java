package io.resnet4j.bench;

import io.resnet4j.kernels.Parallel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** JitStateProbe refuses bad options with its usage, and reports a workload that settles (the pool restored after). */
class JitStateProbeTest {

    @Test
    void badOptionsAreRefusedWithTheUsage() {
        assertThatThrownBy(() -> JitStateProbe.main(new String[]{"--second-s", "0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--second-s >= 1")
                .hasMessageContaining("usage: JitStateProbe");
        assertThatThrownBy(() -> JitStateProbe.main(new String[]{"--firsts", "1"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option --firsts");
        assertThatThrownBy(() -> JitStateProbe.main(new String[]{"--second", "resnet20:eval:1"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("train, infer or frozen");
    }

    @Test
    void aWorkloadThatSettlesIsReportedPerSecond() throws Exception {
        int threads = Parallel.threads();
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            JitStateProbe.main(new String[]{"--first-s", "0", "--second", "resnet20:frozen:1", "--second-s", "2",
                    "--slow-ms", "1000"});
        } finally {
            System.setOut(out);
            Parallel.setThreads(threads);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("mean ms per step in each second (steps): 0:").contains("settled: ")
                .doesNotContain("first:");
    }
}
