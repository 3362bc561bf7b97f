package io.resnet4j.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PairedBench's side of the torch_e2e.py --serve protocol, against stand-in servers written in sh. */
class PairedBenchTest {
    /** A server that answers "ready", then each request with the next of the given lines, then exits 3. */
    private static List<String> server(String... answers) {
        StringBuilder script = new StringBuilder("echo ready; ");
        for (String a : answers) {
            script.append("read line; echo \"").append(a).append("\"; ");
        }
        script.append("exit 3");
        return List.of("sh", "-c", script + "", "stand-in");
    }

    @Test
    void aBlockIsWallAndCpuSecondsPerStep() throws Exception {
        try (PairedBench.TorchServer s = new PairedBench.TorchServer("default", server("ready", "0.25 0.5"), null)) {
            assertThat(s.request("workload resnet20:train:32")).isEqualTo("ready");
            assertThat(s.block()).containsExactly(0.25, 0.5);
        }
    }

    @Test
    void anErrorAnswerStopsWithTheServersMessage() throws Exception {
        try (PairedBench.TorchServer s = new PairedBench.TorchServer("tuned", server("error SystemExit: unknown model foo"), "x=1")) {
            assertThatThrownBy(() -> s.request("workload foo:train:1"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("PyTorch server (tuned): SystemExit: unknown model foo");
        }
    }

    @Test
    void aServerThatExitsIsReportedWithItsExitCode() throws Exception {
        try (PairedBench.TorchServer s = new PairedBench.TorchServer("default", server("ready"), null)) {
            s.request("workload resnet20:infer:1");
            assertThatThrownBy(s::block)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the PyTorch server (default) exited with code 3");
        }
    }

    @Test
    void aWorkloadRequestMustBeAnsweredReady() throws Exception {
        try (PairedBench.TorchServer s = new PairedBench.TorchServer("default", server("0.1 0.2"), null)) {
            assertThatThrownBy(() -> s.request("workload resnet20:infer:1"))
                    .hasMessage("PyTorch server (default) answered '0.1 0.2', expected 'ready'");
        }
    }

    @Test
    void aServerThatCannotStartIsNamed() {
        assertThatThrownBy(() -> new PairedBench.TorchServer("default", List.of("/nonexistent/python3"), null))
                .hasMessageContaining("cannot start the PyTorch server [/nonexistent/python3, --variant, default]");
    }

    @Test
    void optionsAreNameValuePairsOfKnownNames() {
        List<String> known = List.of("--rounds", "--torch");
        assertThat(Options.parse(new String[]{"--rounds", "3", "--torch", "py x.py"}, known, "usage: U"))
                .containsEntry("--rounds", "3").containsEntry("--torch", "py x.py").hasSize(2);
        assertThatThrownBy(() -> Options.parse(new String[]{"--round", "3"}, known, "usage: U"))
                .hasMessage("unknown option --round; usage: U");
        assertThatThrownBy(() -> Options.parse(new String[]{"--rounds"}, known, "usage: U"))
                .hasMessage("option --rounds needs a value; usage: U");
    }
}
