package io.resnet4j.data;

import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The images ImageIO reads differently from PIL decode as PIL's {@code convert("RGB")} / {@code convert("L")},
 * every pixel exactly. Images and PIL's values are committed fixtures from tools/reference/pil_images.py (which
 * describes how the images were made).
 */
class ImageFilesTest {
    static final Path DIR = Fixture.repoRoot().resolve("resnet4j-vision/src/test/resources/fixtures/images");
    static Fixture fix;

    @BeforeAll
    static void load() {
        fix = Fixture.load("resnet4j-vision", "images/pil_images.bin", "tools/reference/pil_images.py");
    }

    /** Decodes {@code file} as RGB and as grey and compares every sample with PIL's (entries named by its stem). */
    static void assertDecodesAsPil(String file) {
        String stem = file.substring(0, file.lastIndexOf('.'));
        Path f = DIR.resolve(file);
        ImageView rgb = new ImageView();
        ImageFolderDataset.decode(f, 3, rgb);
        int[] dims = fix.entry(stem + "_rgb").dims();
        assertThat(new int[]{rgb.height(), rgb.width(), rgb.channels()}).as(file + " RGB shape").containsExactly(dims);
        assertThat(samples(rgb)).as(file + " as RGB (HWC)").containsExactly(fix.ints(stem + "_rgb"));
        ImageView grey = new ImageView();
        ImageFolderDataset.decode(f, 1, grey);
        assertThat(samples(grey)).as(file + " as grey").containsExactly(fix.ints(stem + "_l"));
    }

    /** The view's samples in PIL's layout: row-major, channels last. */
    static int[] samples(ImageView v) {
        int c = v.channels(), h = v.height(), w = v.width();
        int[] out = new int[h * w * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int k = 0; k < c; k++) {
                    out[(y * w + x) * c + k] = v.get(k, y, x);
                }
            }
        }
        return out;
    }

    /**
     * With an Adobe marker of transform 0 and without one, PIL takes the samples as Adobe's inverted CMYK; ImageIO's
     * own colour conversion gave (0, 0, 229) for the first block, where PIL gives (0, 0, 200).
     */
    @Test
    void cmykJpegsDecodeAsPil() {
        assertDecodesAsPil("cmyk.jpg");
        assertDecodesAsPil("cmyk_no_adobe.jpg");
    }

    /** PIL keeps each 16-bit sample's high byte, and its luma of those; ImageIO's getRGB rounds instead. */
    @Test
    void sixteenBitRgbKeepsEachSamplesHighByteAsPil() {
        assertDecodesAsPil("rgb16.png");
    }

    /** ImageIO's own colour conversion gave (204, 255, 255) for the first block, where PIL gives (154, 255, 255). */
    @Test
    void ycckJpegsDecodeAsPil() {
        assertDecodesAsPil("ycck.jpg");
    }
}
