package io.resnet4j.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TwoBuilds: its options, and an A/A run of this build loaded twice. */
class TwoBuildsTest {
    private static final String CP = System.getProperty("java.class.path");

    @Test
    void runsOneBuildTwiceInTwoClassLoaders() throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            TwoBuilds.main(new String[] {"--workload", "resnet20:infer:1", "--a", CP, "--b", CP, "--rounds", "4",
                    "--steps", "1", "--warm-s", "0", "--threads", "1"});
        } finally {
            System.setOut(out);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .startsWith("resnet20:infer:1, jdk ")
                .contains("medians of 4 rounds of 1 steps")
                .containsPattern("speed B / A [0-9.]+ \\(quartiles");
    }

    @Test
    void aMissingBuildIsRequired() {
        assertThatThrownBy(() -> TwoBuilds.main(new String[] {"--workload", "resnet20:infer:1", "--a", CP}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--b is required");
    }

    @Test
    void aClasspathWithoutResnet4jIsReportedAsSuch() {
        assertThatThrownBy(() -> TwoBuilds.main(new String[] {"--workload", "resnet20:infer:1", "--a", "/nonexistent",
                "--b", CP}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("build A (/nonexistent) lacks");
    }

    @Test
    void anUnknownOptionIsRejected() {
        assertThatThrownBy(() -> TwoBuilds.main(new String[] {"--workloads", "x"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown option --workloads; usage: TwoBuilds");
    }

    @Test
    void aNonIntegerCountIsRefusedWithTheUsage() {
        assertThatThrownBy(() -> TwoBuilds.main(new String[] {"--workload", "resnet20:infer:1", "--a", CP, "--b", CP,
                "--rounds", "many"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--rounds needs an integer, got many; usage: TwoBuilds");
    }
}
