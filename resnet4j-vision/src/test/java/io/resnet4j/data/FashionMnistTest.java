package io.resnet4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The real Fashion-MNIST files of Debian's dataset-fashion-mnist package, and the subset bundled in the jar.
 * The package is required (CI installs it): without it these tests fail with the command that installs it.
 */
class FashionMnistTest {
    static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path emptyCache;

    static Path debianDir() {
        if (!Files.isRegularFile(DEBIAN.resolve("train-images-idx3-ubyte.gz"))) {
            throw new AssertionError("Fashion-MNIST is not installed in " + DEBIAN
                    + ": run `sudo apt-get install dataset-fashion-mnist` (the tests read the real files)");
        }
        return DEBIAN;
    }

    DataConfig offline() {
        return new DataConfig(emptyCache, false, Duration.ofSeconds(1), s -> { });
    }

    @Test
    void debianFilesAreFoundAsTheSystemPackageAndDecode() {
        debianDir();
        Datasets.Location loc = Datasets.locate(DatasetSpec.FASHION_MNIST, Split.TRAIN, null, offline());
        assertThat(loc.source()).isEqualTo(Datasets.Source.SYSTEM);
        assertThat(loc.dir()).isEqualTo(DEBIAN);
        ArrayDataset train = Datasets.open(loc, Split.TRAIN);
        ArrayDataset test = Datasets.open(DatasetSpec.FASHION_MNIST, Split.TEST, null, offline());
        assertThat(train.size()).isEqualTo(60_000);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(train.height()).isEqualTo(28);
        assertThat(train.width()).isEqualTo(28);
        int[] counts = new int[10];
        for (int l : train.labels()) {
            counts[l]++;
        }
        assertThat(counts).containsOnly(6000);
        // The first training example is an ankle boot (label 9), as in the dataset's README figure and every loader.
        assertThat(train.label(0)).isEqualTo(9);
        assertThat(test.label(0)).isEqualTo(9);
        Augmentation.Normalization stats = train.statistics();
        assertThat(stats.mean()[0]).isCloseTo(Augmentation.Normalization.fashionMnist().mean()[0], within(1e-4));
        assertThat(stats.std()[0]).isCloseTo(Augmentation.Normalization.fashionMnist().std()[0], within(1e-4));
        assertThat(Datasets.fashionMnistOrSubset(Split.TEST, offline()).name()).isEqualTo("fashion-mnist/test");
    }

    @Test
    void bundledSubsetIsTheFirstImagesOfEachClassOfTheRealFiles() {
        debianDir();
        for (Split split : Split.values()) {
            ArrayDataset full = Datasets.open(DatasetSpec.FASHION_MNIST, split, DEBIAN, offline());
            ArrayDataset subset = Datasets.fashionMnistSubset(split);
            int perClass = split == Split.TRAIN ? 500 : 100;
            assertThat(subset.size()).isEqualTo(10 * perClass);
            assertThat(subset.name()).isEqualTo("fashion-mnist-subset/" + split.label());
            assertThat(subset.classNames()).isEqualTo(DatasetSpec.FASHION_MNIST.classNames());
            // Recompute the selection from the full files: the first perClass examples of each class, in file order.
            int[] counts = new int[10];
            int[] chosen = new int[10 * perClass];
            int k = 0;
            for (int i = 0; i < full.size() && k < chosen.length; i++) {
                if (counts[full.label(i)]++ < perClass) {
                    chosen[k++] = i;
                }
            }
            ArrayDataset expected = full.subset("expected", chosen);
            assertThat(subset.labels()).isEqualTo(expected.labels());
            assertThat(Arrays.equals(subset.pixels(), expected.pixels())).as("subset pixels").isTrue();
        }
    }

    @Test
    void bundledSubsetIsBalancedAndSmallWithItsLicence() throws Exception {
        ArrayDataset train = Datasets.fashionMnistSubset(Split.TRAIN);
        int[] counts = new int[10];
        for (int l : train.labels()) {
            counts[l]++;
        }
        assertThat(counts).containsOnly(500);
        long bytes = 0;
        for (String f : new String[]{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            try (var in = Datasets.class.getResourceAsStream(Datasets.SUBSET_RESOURCES + f)) {
                bytes += in.readAllBytes().length;
            }
        }
        assertThat(bytes).isLessThan(3_000_000);
        try (var in = Datasets.class.getResourceAsStream(Datasets.SUBSET_RESOURCES + "LICENSE")) {
            assertThat(new String(in.readAllBytes())).contains("MIT License").contains("Zalando SE");
        }
    }
}
