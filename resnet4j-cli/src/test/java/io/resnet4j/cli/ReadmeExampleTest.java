package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.testing.Fixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's library example is the code of {@link ReadmeExample}, which compiles with these tests. */
class ReadmeExampleTest {

    @Test
    void readmeShowsTheCompiledExample() throws IOException {
        Path root = Fixture.repoRoot();
        List<String> readme = Files.readAllLines(root.resolve("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("<!-- library-example: resnet4j-cli/src/test/java/io/resnet4j/cli/ReadmeExample.java -->");
        assertThat(start).as("README.md has the library-example marker").isNotNegative();
        assertThat(readme.get(start + 1)).isEqualTo("```java");
        List<String> shown = new ArrayList<>();
        for (int i = start + 2; !readme.get(i).equals("```"); i++) {
            shown.add(readme.get(i));
        }
        Path source = root.resolve("resnet4j-cli/src/test/java/io/resnet4j/cli/ReadmeExample.java");
        List<String> code = Files.readAllLines(source, StandardCharsets.UTF_8);
        int from = indexOfTrimmed(code, "// README:start") + 1;
        int to = indexOfTrimmed(code, "// README:end");
        int indent = code.get(from).indexOf(code.get(from).strip());
        List<String> expected = new ArrayList<>();
        for (String line : code.subList(from, to)) {
            expected.add(line.length() >= indent ? line.substring(indent) : line.strip());
        }
        // The try block's closing brace sits after the marker in the source (the method returns from inside it).
        expected.add("}");
        assertThat(shown).as("README library example vs ReadmeExample.java (copy it over)").containsExactlyElementsOf(expected);
    }

    private static int indexOfTrimmed(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                return i;
            }
        }
        throw new AssertionError("marker " + marker + " not found in ReadmeExample.java");
    }
}
