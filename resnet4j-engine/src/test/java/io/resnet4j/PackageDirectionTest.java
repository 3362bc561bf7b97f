package io.resnet4j;

import io.resnet4j.testing.ImportScan;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine's layering, {@code kernels <- tensor <- nn <- optim <- train} and {@code nn <- io <- train}, checked by an import scan of the sources. */
class PackageDirectionTest {
    static final String K = "io.resnet4j.kernels", T = "io.resnet4j.tensor", N = "io.resnet4j.nn", O = "io.resnet4j.optim",
            TR = "io.resnet4j.train", IO = "io.resnet4j.io";

    @Test
    void lowerLayersNeverReferToHigherOnes() {
        Path src = ImportScan.mainSources("resnet4j-engine");
        List<ImportScan.Reference> refs = ImportScan.scan(src);
        // Guard against scanning the wrong directory: the engine has dozens of sources and nn uses kernels.
        assertThat(ImportScan.fileCount(src)).isGreaterThan(30);
        assertThat(refs).anyMatch(r -> r.from().equals(N) && r.target().startsWith(K));
        ImportScan.assertNoReferences(refs, K, T, N, O, TR, IO);
        ImportScan.assertNoReferences(refs, T, N, O, TR, IO);
        ImportScan.assertNoReferences(refs, N, O, TR, IO);
        ImportScan.assertNoReferences(refs, O, TR, IO);
        // io (checkpoints) sits between nn and train: it reads and writes module state, train uses it.
        ImportScan.assertNoReferences(refs, IO, O, TR);
    }

    @Test
    void theScanFindsAViolation(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("io/resnet4j/kernels/Bad.java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "package io.resnet4j.kernels;\n\nimport io.resnet4j.tensor.Tensor;\n\nclass Bad {}\n");
        List<ImportScan.Reference> refs = ImportScan.scan(dir);
        assertThatThrownBy(() -> ImportScan.assertNoReferences(refs, K, T))
                .hasMessageContaining("Bad.java:3").hasMessageContaining("io.resnet4j.tensor.Tensor");
    }
}
