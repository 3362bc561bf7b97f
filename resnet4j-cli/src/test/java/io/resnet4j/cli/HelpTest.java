package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help ends with runnable examples of that command. */
class HelpTest {

    static List<String> subcommands() {
        CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        return cl.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
    }

    @Test
    void everySubcommandHelpEndsWithExamples() {
        List<String> names = subcommands();
        assertThat(names).contains("train", "eval", "predict", "summary", "models", "bench", "datasets", "report");
        for (String name : names) {
            // picocli reports a malformed description (e.g. an unescaped '%') on System.err, not on the
            // command's writer: watch both.
            java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
            java.io.PrintStream saved = System.err;
            Cli.Result r;
            try {
                System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
                r = Cli.run(name, "--help");
            } finally {
                System.setErr(saved);
            }
            assertThat(stderr.toString(java.nio.charset.StandardCharsets.UTF_8)).as("%s --help warnings", name).isEmpty();
            assertThat(r.exitCode()).as(name).isZero();
            String help = r.out();
            int examples = help.indexOf("Examples:");
            assertThat(examples).as("%s --help has an Examples section", name).isPositive();
            String tail = help.substring(examples);
            assertThat(tail).as("%s examples run the command", name).contains("./resnet4j " + name);
            assertThat(tail.lines().skip(1).filter(l -> !l.isBlank()))
                    .as("%s: every example is one unwrapped line", name).allMatch(l -> l.startsWith("  ./resnet4j "));
            assertThat(r.err()).as("%s --help formats cleanly", name).isEmpty();
            assertThat(help.strip().lines().reduce((a, b) -> b).orElseThrow())
                    .as("%s --help ends with an example", name).contains("./resnet4j " + name);
        }
    }

    @Test
    void topLevelHelpListsCommandsAndExamples() {
        Cli.Result r = Cli.run("--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("train", "predict", "summary", "Examples:", "./resnet4j train");
    }

    @Test
    void versionNamesJavaAndKernels() {
        Cli.Result r = Cli.run("--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("resnet4j 0.").contains("Java ").contains("kernels:");
    }
}
