package io.resnet4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CifarTest {
    @TempDir
    Path dir;

    @Test
    void cifar10ConcatenatesBatchesInOrderWithBuiltInNames() {
        TestFiles.write(dir.resolve("a.bin"), TestFiles.cifarRecords(3, new int[][]{{4}, {0}, {9}}));
        TestFiles.write(dir.resolve("b.bin"), TestFiles.cifarRecords(2, new int[][]{{1}, {2}}));
        ArrayDataset d = Cifar.read10("c10", List.of(dir.resolve("a.bin"), dir.resolve("b.bin")));
        assertThat(d.size()).isEqualTo(5);
        assertThat(d.labels()).containsExactly(4, 0, 9, 1, 2);
        assertThat(d.classNames()).isEqualTo(Cifar.CIFAR10_CLASSES);
        assertThat(d.channels()).isEqualTo(3);
        ImageView v = new ImageView();
        d.read(3, v);   // record 0 of b.bin
        assertThat(v.get(0, 0, 0)).isZero();
        assertThat(v.get(2, 31, 31)).isEqualTo(3071 & 0xff);
        d.read(2, v);   // record 2 of a.bin: green channel, row 1, column 5 is pixel 1024 + 32 + 5
        assertThat(v.get(1, 1, 5)).isEqualTo((2 + 1024 + 32 + 5) & 0xff);
    }

    @Test
    void classNamesComeFromTheMetaFileWhenPresent() {
        TestFiles.write(dir.resolve("data_batch_1.bin"), TestFiles.cifarRecords(1, new int[][]{{3}}));
        TestFiles.write(dir.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n\n".getBytes());
        ArrayDataset d = Cifar.read10("c10", List.of(dir.resolve("data_batch_1.bin")));
        assertThat(d.classNames()).containsExactly("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        TestFiles.write(dir.resolve("batches.meta.txt"), "a\nb\n".getBytes());
        assertThatThrownBy(() -> Cifar.read10("c10", List.of(dir.resolve("data_batch_1.bin"))))
                .isInstanceOf(DatasetException.class).hasMessageContaining("batches.meta.txt").hasMessageContaining("2 class names");
    }

    @Test
    void cifar100FineAndCoarseLabels() {
        TestFiles.write(dir.resolve("train.bin"), TestFiles.cifarRecords(3, new int[][]{{19, 99}, {0, 5}, {7, 42}}));
        List<Path> files = List.of(dir.resolve("train.bin"));
        ArrayDataset fine = Cifar.read100("f", files, Cifar.Labels.FINE);
        ArrayDataset coarse = Cifar.read100("c", files, Cifar.Labels.COARSE);
        assertThat(fine.labels()).containsExactly(99, 5, 42);
        assertThat(coarse.labels()).containsExactly(19, 0, 7);
        assertThat(fine.numClasses()).isEqualTo(100);
        assertThat(coarse.numClasses()).isEqualTo(20);
        assertThat(fine.pixels()).isEqualTo(coarse.pixels());
        assertThat(fine.classNames().get(99)).isEqualTo("worm");
        assertThat(Cifar.CIFAR100_FINE_CLASSES).isSorted().doesNotHaveDuplicates();
        assertThat(Cifar.CIFAR100_COARSE_CLASSES).hasSize(20).doesNotHaveDuplicates();
    }

    @Test
    void truncatedOrWrongVariantFilesAreReported() {
        byte[] records = TestFiles.cifarRecords(3, new int[][]{{1}, {2}, {3}});
        TestFiles.write(dir.resolve("cut.bin"), Arrays.copyOf(records, records.length - 100));
        assertThatThrownBy(() -> Cifar.read10("x", List.of(dir.resolve("cut.bin"))))
                .isInstanceOf(DatasetException.class).hasMessageContaining("cut.bin").hasMessageContaining("truncated");
        TestFiles.write(dir.resolve("c100.bin"), TestFiles.cifarRecords(2, new int[][]{{1, 2}, {3, 4}}));
        assertThatThrownBy(() -> Cifar.read10("x", List.of(dir.resolve("c100.bin"))))
                .isInstanceOf(DatasetException.class).hasMessageContaining("CIFAR-100");
        TestFiles.write(dir.resolve("empty.bin"), new byte[0]);
        assertThatThrownBy(() -> Cifar.read10("x", List.of(dir.resolve("empty.bin"))))
                .isInstanceOf(DatasetException.class).hasMessageContaining("empty.bin");
        assertThatThrownBy(() -> Cifar.read10("x", List.of(dir.resolve("missing.bin"))))
                .isInstanceOf(DatasetException.class).hasMessageContaining("does not exist");
    }

    @Test
    void labelsOutOfRangeAreReported() {
        TestFiles.write(dir.resolve("bad.bin"), TestFiles.cifarRecords(2, new int[][]{{1}, {57}}));
        assertThatThrownBy(() -> Cifar.read10("x", List.of(dir.resolve("bad.bin"))))
                .isInstanceOf(DatasetException.class).hasMessageContaining("bad.bin").hasMessageContaining("label 57 of record 1");
        TestFiles.write(dir.resolve("bad100.bin"), TestFiles.cifarRecords(1, new int[][]{{25, 3}}));
        assertThatThrownBy(() -> Cifar.read100("x", List.of(dir.resolve("bad100.bin")), Cifar.Labels.COARSE))
                .isInstanceOf(DatasetException.class).hasMessageContaining("label 25");
    }
}
