package io.resnet4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsCommandTest {
    @TempDir
    Path cache;

    @Test
    void listsEveryKnownDatasetWithWhereOrHow() {
        Cli.Result r = Cli.run("datasets", "--cache-dir", cache.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines()).anyMatch(l -> l.startsWith("fashion-mnist "))
                .anyMatch(l -> l.startsWith("mnist ") && l.contains("not found") && l.contains(cache.toString()))
                .anyMatch(l -> l.startsWith("cifar-10 "))
                .anyMatch(l -> l.startsWith("cifar-100 "))
                .anyMatch(l -> l.startsWith("fashion-mnist-subset") && l.contains("bundled"));
        assertThat(r.out()).contains("cache directory: " + cache);
    }

    @Test
    void anEmptyCacheDirIsRefusedNotTakenAsTheCurrentDirectory() {
        String line = ErrorPathsTest.oneLineError(Cli.run("datasets", "--cache-dir", ""));
        assertThat(line).contains("--cache-dir").contains("the path is empty");
    }
}
