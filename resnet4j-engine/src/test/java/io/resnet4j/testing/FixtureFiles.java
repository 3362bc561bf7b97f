package io.resnet4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every committed fixture file of the repository, for the staleness check. */
public final class FixtureFiles {
    private FixtureFiles() {
    }

    /** A fixture file: the module holding it and its path relative to that module's fixtures directory. */
    public record Located(String module, String relative) {
    }

    /** The fixture files under {@code <module>/src/test/resources/fixtures} of every module of the repository. */
    public static List<Located> all() {
        Path root = Fixture.repoRoot();
        List<Located> out = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : (Iterable<Path>) modules.sorted()::iterator) {
                Path dir = module.resolve("src/test/resources/fixtures");
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                        out.add(new Located(module.getFileName().toString(), dir.relativize(f).toString().replace('\\', '/')));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
