package io.resnet4j.models;

import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Models are built from modules and never reach into the kernel layer (DESIGN.md: "Models never import
 * kernels"). A scan of the package's sources for imports and fully qualified uses of io.resnet4j.kernels.
 */
class ModelsImportTest {
    private static final Pattern KERNELS = Pattern.compile("\\bio\\.resnet4j\\.kernels\\b");

    @Test
    void modelsNeverUseTheKernelPackage() throws IOException {
        Path dir = Fixture.repoRoot().resolve("resnet4j-vision/src/main/java/io/resnet4j/models");
        List<String> offenders = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                files++;
                List<String> lines = Files.readAllLines(p);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = KERNELS.matcher(lines.get(i));
                    if (m.find()) {
                        offenders.add(dir.relativize(p) + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        assertThat(files).as("model sources scanned").isGreaterThanOrEqualTo(5);
        assertThat(offenders).as("uses of io.resnet4j.kernels in models").isEmpty();
    }
}
