package io.resnet4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four-channel JPEGs decode as PIL's {@code convert("RGB")} / {@code convert("L")}. The expected values were read
 * with Pillow 9.4 from the files these tests write (flat 8x8 blocks, which JPEG keeps exactly).
 */
class ImageFilesTest {
    @TempDir
    Path dir;

    /** Stored samples of the two 8x8 blocks of every test file. */
    static final int[][] SAMPLES = {{0, 0, 200, 255}, {40, 90, 160, 120}};

    /**
     * A 16x8 JPEG of the 4-channel samples {@code blocks} (left half, right half), with an Adobe APP14 marker of
     * the given transform (0 CMYK, 2 YCCK), or none when it is negative.
     */
    static Path fourChannelJpeg(Path file, int[][] blocks, int transform) throws IOException {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 8, 4, null);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                r.setPixel(x, y, blocks[x / 8]);
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(new IIOImage(r, null, null));   // a Raster is written as is, without an Adobe marker
        } finally {
            writer.dispose();
        }
        byte[] jpeg = bytes.toByteArray();
        ByteArrayOutputStream withMarker = new ByteArrayOutputStream();
        withMarker.write(jpeg, 0, 2);   // SOI
        if (transform >= 0) {
            // APP14, length 14: "Adobe", version 100, flags0 0, flags1 0, transform
            withMarker.write(new byte[]{(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0,
                    (byte) transform});
        }
        withMarker.write(jpeg, 2, jpeg.length - 2);
        Files.createDirectories(file.getParent());
        Files.write(file, withMarker.toByteArray());
        return file;
    }

    static int[] rgbAndGrey(Path file, int x) {
        ImageView rgb = new ImageView();
        ImageFolderDataset.decode(file, 3, rgb);
        ImageView grey = new ImageView();
        ImageFolderDataset.decode(file, 1, grey);
        return new int[]{rgb.get(0, 4, x), rgb.get(1, 4, x), rgb.get(2, 4, x), grey.get(0, 4, x)};
    }

    @Test
    void cmykJpegsDecodeAsPil() throws IOException {
        // ImageIO's own colour conversion gave (0, 0, 229) for the first block
        for (int transform : new int[]{0, -1}) {
            Path f = fourChannelJpeg(dir.resolve("cmyk" + transform + ".jpg"), SAMPLES, transform);
            assertThat(rgbAndGrey(f, 4)).as("transform " + transform).containsExactly(0, 0, 200, 23);
            assertThat(rgbAndGrey(f, 12)).as("transform " + transform).containsExactly(19, 42, 75, 39);
        }
    }

    /** TestImages.sixteenBitRgbPng: PIL keeps each sample's high byte, and its luma of those. */
    @Test
    void sixteenBitRgbKeepsEachSamplesHighByteAsPil() throws IOException {
        Path f = io.resnet4j.testing.TestImages.sixteenBitRgbPng(dir.resolve("rgb16.png"));
        ImageView rgb = new ImageView();
        ImageFolderDataset.decode(f, 3, rgb);
        ImageView grey = new ImageView();
        ImageFolderDataset.decode(f, 1, grey);
        assertThat(new int[]{rgb.get(0, 0, 0), rgb.get(1, 0, 0), rgb.get(2, 0, 0), grey.get(0, 0, 0)})
                .containsExactly(1, 2, 255, 31);
        assertThat(new int[]{rgb.get(0, 0, 1), rgb.get(1, 0, 1), rgb.get(2, 0, 1), grey.get(0, 0, 1)})
                .containsExactly(128, 0, 1, 38);
    }

    @Test
    void ycckJpegsDecodeAsPil() throws IOException {
        // ImageIO's own colour conversion gave (204, 255, 255) for the first block
        Path f = fourChannelJpeg(dir.resolve("ycck.jpg"), SAMPLES, 2);
        assertThat(rgbAndGrey(f, 4)).containsExactly(154, 255, 255, 225);
        assertThat(rgbAndGrey(f, 12)).containsExactly(80, 106, 120, 100);
    }
}
