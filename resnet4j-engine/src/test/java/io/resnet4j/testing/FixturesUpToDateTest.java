package io.resnet4j.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Loads every fixture file of every module, so that a fixture older than its generator (or a leftover temp
 * file, or a corrupt file) fails here with the command that regenerates it, even if no other test reads it.
 */
class FixturesUpToDateTest {
    @Test
    void everyFixtureIsAsNewAsItsGenerator() {
        List<FixtureFiles.Located> files = FixtureFiles.all();
        // tools/reference/ops.py writes 45 op fixtures and block.py 3 into this module alone.
        assertThat(files.stream().filter(f -> f.module().equals("resnet4j-engine")).count()).isGreaterThanOrEqualTo(48);
        List<String> problems = new ArrayList<>();
        for (FixtureFiles.Located f : files) {
            if (f.relative().endsWith(".tmp")) {
                problems.add(f.module() + "/" + f.relative() + ": a temp file left by an interrupted generator; rerun it");
                continue;
            }
            if (!f.relative().endsWith(".bin")) {
                // Data in other formats (e.g. .safetensors inputs) is checked by the tests that read it, next to
                // a .bin fixture of the same generator that carries the digest.
                System.out.println("not an R4JFIX01 fixture, not checked here: " + f.module() + "/" + f.relative());
                continue;
            }
            try {
                Fixture fx = Fixture.load(f.module(), f.relative());
                if (fx.names().isEmpty()) {
                    problems.add(f.module() + "/" + f.relative() + ": no entries");
                }
            } catch (AssertionError e) {
                problems.add(e.getMessage());
            }
        }
        assertThat(problems).as("stale, corrupt or stray fixture files").isEmpty();
    }

    @Test
    void everyGeneratorIsListedInTheReadme() throws IOException {
        Path dir = Fixture.repoRoot().resolve("tools/reference");
        String readme = Files.readString(dir.resolve("README.md"));
        try (Stream<Path> scripts = Files.list(dir)) {
            List<String> missing = scripts.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".py") && !n.equals("fixtures.py"))
                    .filter(n -> !readme.contains("`" + n + "`"))
                    .toList();
            assertThat(missing).as("generators without a row in tools/reference/README.md").isEmpty();
        }
    }

    @Test
    void aStaleFixtureFailsWithTheRegenerationCommand() throws IOException {
        // A fixture whose recorded digest does not match its generator, both under target/.
        Path root = Fixture.repoRoot();
        Path module = Files.createTempDirectory(root.resolve("resnet4j-engine/target"), "stale");
        Path gen = module.resolve("gen.py");
        Files.writeString(gen, "print('generator')\n");
        String genRel = root.relativize(gen).toString().replace('\\', '/');
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.put("R4JFIX01".getBytes(StandardCharsets.US_ASCII));
        for (String s : new String[] {genRel, "0".repeat(64)}) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            b.putInt(bytes.length).put(bytes);
        }
        b.putInt(0);
        Path fixture = module.resolve("src/test/resources/fixtures/x.bin");
        Files.createDirectories(fixture.getParent());
        Files.write(fixture, Arrays.copyOf(b.array(), b.position()));
        String moduleName = root.relativize(module).toString();
        assertThatThrownBy(() -> Fixture.load(moduleName, "x.bin"))
                .hasMessageContaining("stale fixture").hasMessageContaining(Fixture.PYTHON + " " + genRel);
        assertThatThrownBy(() -> Fixture.load(moduleName, "missing.bin")).hasMessageContaining("missing fixture");
    }
}
