package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ThreadScaling refuses bad options with its usage, runs a small shape, and leaves the pool's thread count as it was. */
class ThreadScalingTest {
    @Test
    void refusesBadOptions() {
        assertThatThrownBy(() -> ThreadScaling.main(new String[] {"--shapes", "1/8/4/4/8/1/1"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("N/C/H/W/K/KERNEL/STRIDE/PAD")
                .hasMessageContaining("usage: ThreadScaling");
        assertThatThrownBy(() -> ThreadScaling.main(new String[] {"--shapes", "1/8/4/x/8/1/1/0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1/8/4/x/8/1/1/0");
        assertThatThrownBy(() -> ThreadScaling.main(new String[] {"--calls", "2"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("calls >= 4");
        assertThatThrownBy(() -> ThreadScaling.main(new String[] {"--weights", "0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weights >= 1");
        assertThatThrownBy(() -> ThreadScaling.main(new String[] {"--epilogue", "relu"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none, bias or bias+relu");
    }

    @Test
    void timesEachWayAndRestoresTheThreadCount() throws InterruptedException {
        int threads = Parallel.threads();
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            ThreadScaling.main(new String[] {"--shapes", "1/300/5/5/33/1/1/0", "--calls", "8", "--rounds", "1"});
            ThreadScaling.main(new String[] {"--shapes", "1/7/5/5/9/3/1/1", "--calls", "8", "--rounds", "1",
                    "--weights", "3", "--inputs", "2", "--epilogue", "bias+relu"});
        } finally {
            System.setOut(out);
        }
        String report = buffer.toString(StandardCharsets.UTF_8);
        assertThat(report).contains("1/300/5/5/33/1/1/0").contains("1/7/5/5/9/3/1/1").contains("1 thread").contains("pool of 2")
                .contains("two 1-thread callers");
        assertThat(Parallel.threads()).isEqualTo(threads);
    }
}
