package io.resnet4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdxTest {
    static final List<String> TEN = DatasetSpec.MNIST.classNames();

    @TempDir
    Path dir;

    @Test
    void decodesRawAndGzipFilesAlike() {
        byte[][] pair = TestFiles.idxPair(5, 4, 3, 10);
        TestFiles.write(dir.resolve("img"), pair[0]);
        TestFiles.write(dir.resolve("lab"), pair[1]);
        TestFiles.write(dir.resolve("img.gz"), TestFiles.gzip(pair[0]));
        TestFiles.write(dir.resolve("lab.whatever"), TestFiles.gzip(pair[1]));   // gzip is detected by magic, not name

        ArrayDataset raw = Idx.read("raw", dir.resolve("img"), dir.resolve("lab"), TEN);
        ArrayDataset gz = Idx.read("gz", dir.resolve("img.gz"), dir.resolve("lab.whatever"), TEN);

        assertThat(raw.size()).isEqualTo(5);
        assertThat(raw.channels()).isEqualTo(1);
        assertThat(raw.height()).isEqualTo(4);
        assertThat(raw.width()).isEqualTo(3);
        assertThat(raw.labels()).containsExactly(0, 1, 2, 3, 4);
        assertThat(gz.pixels()).isEqualTo(raw.pixels());
        assertThat(gz.labels()).isEqualTo(raw.labels());
        ImageView v = new ImageView();
        raw.read(2, v);
        assertThat(v.get(0, 1, 2)).isEqualTo((2 * 7 + 1 * 3 + 2) & 0xff);
    }

    @Test
    void badMagicNamesTheFile() {
        TestFiles.write(dir.resolve("page.html"), "<html>404 not found</html>".getBytes());
        TestFiles.write(dir.resolve("lab"), TestFiles.idxPair(2, 2, 2, 10)[1]);
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("page.html"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("page.html").hasMessageContaining("not an IDX file");
    }

    @Test
    void swappedImagesAndLabelsAreRecognised() {
        byte[][] pair = TestFiles.idxPair(3, 2, 2, 10);
        TestFiles.write(dir.resolve("img"), pair[0]);
        TestFiles.write(dir.resolve("lab"), pair[1]);
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("lab"), dir.resolve("img"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("swapped");
    }

    @Test
    void imageAndLabelCountsMustAgree() {
        TestFiles.write(dir.resolve("img"), TestFiles.idxPair(3, 2, 2, 10)[0]);
        TestFiles.write(dir.resolve("lab"), TestFiles.idxPair(4, 2, 2, 10)[1]);
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("img"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("3 images").hasMessageContaining("4 labels").hasMessageContaining("lab");
    }

    @Test
    void labelOutOfRangeIsReported() {
        byte[][] pair = TestFiles.idxPair(12, 2, 2, 12);   // labels 0..11 with 10 classes
        TestFiles.write(dir.resolve("img"), pair[0]);
        TestFiles.write(dir.resolve("lab"), pair[1]);
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("img"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("label 10 of example 10").hasMessageContaining("0..9");
    }

    @Test
    void truncatedRawAndGzipFilesAreReported() {
        byte[][] pair = TestFiles.idxPair(6, 4, 4, 10);
        TestFiles.write(dir.resolve("lab"), pair[1]);
        TestFiles.write(dir.resolve("short"), Arrays.copyOf(pair[0], pair[0].length - 5));
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("short"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("short").hasMessageContaining("truncated");
        byte[] gz = TestFiles.gzip(pair[0]);
        TestFiles.write(dir.resolve("short.gz"), Arrays.copyOf(gz, gz.length - 30));
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("short.gz"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("short.gz").hasMessageContaining("truncated");
        TestFiles.write(dir.resolve("header-only"), Arrays.copyOf(pair[0], 6));
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("header-only"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("truncated");
    }

    @Test
    void hugeDimensionsInASmallFileAreRejectedBeforeAllocating() {
        // 60000 x 28000 x 28000 would be 47 TB; also 2 GB that a 1 KB gzip file cannot hold.
        byte[] huge = TestFiles.idx(new int[]{60000, 28000, 28000}, new byte[16]);
        TestFiles.write(dir.resolve("huge"), huge);
        TestFiles.write(dir.resolve("huge.gz"), TestFiles.gzip(huge));
        byte[] big = TestFiles.idx(new int[]{100_000, 100, 100}, new byte[16]);   // 1e9 bytes claimed
        TestFiles.write(dir.resolve("big.gz"), TestFiles.gzip(big));
        TestFiles.write(dir.resolve("lab"), TestFiles.idxPair(1, 1, 1, 10)[1]);
        for (String f : List.of("huge", "huge.gz", "big.gz")) {
            assertThatThrownBy(() -> Idx.read("x", dir.resolve(f), dir.resolve("lab"), TEN))
                    .as(f).isInstanceOf(DatasetException.class).hasMessageContaining(f).hasMessageContaining("header is corrupt");
        }
        byte[] negative = TestFiles.idx(new int[]{-1, 2, 2}, new byte[4]);
        TestFiles.write(dir.resolve("neg"), negative);
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("neg"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("header is corrupt");
    }

    @Test
    void trailingDataAndUnsupportedTypesAreRejected() {
        byte[][] pair = TestFiles.idxPair(2, 2, 2, 10);
        byte[] longer = Arrays.copyOf(pair[0], pair[0].length + 3);
        TestFiles.write(dir.resolve("long"), longer);
        TestFiles.write(dir.resolve("long.gz"), TestFiles.gzip(longer));
        TestFiles.write(dir.resolve("lab"), pair[1]);
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("long"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("long.gz"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("continues after");
        byte[] floats = pair[0].clone();
        floats[2] = 0x0D;
        TestFiles.write(dir.resolve("floats"), floats);
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("floats"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("0xd").hasMessageContaining("not supported");
    }

    @Test
    void missingFileAndCorruptGzipAreReported() {
        TestFiles.write(dir.resolve("lab"), TestFiles.idxPair(2, 2, 2, 10)[1]);
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("nope"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("nope").hasMessageContaining("does not exist");
        byte[] gz = TestFiles.gzip(TestFiles.idxPair(50, 4, 4, 10)[0]);
        for (int i = 20; i < gz.length - 8; i += 3) {
            gz[i] ^= 0x5A;
        }
        TestFiles.write(dir.resolve("bad.gz"), gz);
        assertThatThrownBy(() -> Idx.read("x", dir.resolve("bad.gz"), dir.resolve("lab"), TEN))
                .isInstanceOf(DatasetException.class).hasMessageContaining("bad.gz");
    }
}
