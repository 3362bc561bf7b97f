package io.resnet4j.cli.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.resnet4j.cli.UserError;
import io.resnet4j.testing.Fixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images and arrays against torchvision/PIL and numpy (fixture from tools/reference/cli_inputs.py). PIL resizes in
 * 8-bit fixed point with rounding between the two passes, so PNG results agree within 1.5 grey levels; JPEG decoders
 * differ in their IDCT, so JPEG gets 4 levels.
 */
class InputsTest {
    static final Path DIR = Fixture.repoRoot().resolve("resnet4j-cli/src/test/resources/fixtures/cli");
    static final Path PIL_IMAGES = Fixture.repoRoot().resolve("resnet4j-vision/src/test/resources/fixtures/images");
    static Fixture fix;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        fix = Fixture.load("resnet4j-cli", "cli/inputs.fix");
    }

    /** Compares in units of grey levels: |a - b| * std * 255. */
    static void assertClose(float[] actual, String key, float[] std, int plane, double levels) {
        double[] expected = fix.entry(key).values();
        assertThat(actual).hasSize(expected.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double s = std[i / plane];
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]) * s * 255);
        }
        assertThat(worst).as("%s: worst difference in grey levels", key).isLessThanOrEqualTo(levels);
    }

    @Test
    void rgbDownscaleAsTorchvision() {
        Preprocess p = new Preprocess(3, 16, 14, Preprocess.IMAGENET_MEAN, Preprocess.IMAGENET_STD);
        assertClose(ImageInput.load(DIR.resolve("rgb.png"), p), "rgb_imagenet_16_14", p.std(), 14 * 14, 1.5);
    }

    @Test
    void rgbUpscaleAsTorchvision() {
        Preprocess p = new Preprocess(3, 40, 32, Preprocess.IMAGENET_MEAN, Preprocess.IMAGENET_STD);
        assertClose(ImageInput.load(DIR.resolve("rgb.png"), p), "rgb_up_40_32", p.std(), 32 * 32, 1.5);
    }

    @Test
    void rgbToGreyUsesPilLuma() {
        Preprocess p = new Preprocess(1, 12, 10, new float[] {0.5f}, new float[] {0.25f});
        assertClose(ImageInput.load(DIR.resolve("rgb.png"), p), "rgb_as_grey_12_10", p.std(), 100, 1.5);
    }

    @Test
    void greyPngKeepsItsStoredLevels() {
        Preprocess p = new Preprocess(1, 28, 28, new float[] {0.2860f}, new float[] {0.3530f});
        assertClose(ImageInput.load(DIR.resolve("grey.png"), p), "grey_fashion_28_28", p.std(), 28 * 28, 1.5);
        Preprocess rgb = new Preprocess(3, 16, 14, Preprocess.IMAGENET_MEAN, Preprocess.IMAGENET_STD);
        assertClose(ImageInput.load(DIR.resolve("grey.png"), rgb), "grey_as_rgb_16_14", rgb.std(), 14 * 14, 1.5);
    }

    @Test
    void alphaIsDropped() {
        Preprocess p = new Preprocess(3, 20, 20, new float[] {0, 0, 0}, new float[] {1, 1, 1});
        assertClose(ImageInput.load(DIR.resolve("rgba.png"), p), "rgba_as_rgb_20_20", p.std(), 400, 0.01);
    }

    @Test
    void jpegDecodes() {
        Preprocess p = new Preprocess(3, 16, 16, Preprocess.IMAGENET_MEAN, Preprocess.IMAGENET_STD);
        assertClose(ImageInput.load(DIR.resolve("photo.jpg"), p), "photo_imagenet_16_16", p.std(), 256, 4);
    }

    /**
     * Decodes {@code file}, one of the vision module's images that ImageIO reads differently from PIL, as RGB and
     * as grey, and compares every sample with PIL's convert("RGB") / convert("L") (fixture from
     * tools/reference/pil_images.py, entries named by the file's stem).
     */
    static void assertDecodesAsPil(String file) {
        Fixture pil = Fixture.load("resnet4j-vision", "images/pil_images.bin", "tools/reference/pil_images.py");
        String stem = file.substring(0, file.lastIndexOf('.'));
        for (int channels : new int[] {3, 1}) {
            String key = stem + (channels == 3 ? "_rgb" : "_l");
            ImageInput.Planes planes = ImageInput.decode(PIL_IMAGES.resolve(file), channels);
            int[] dims = pil.entry(key).dims();
            assertThat(new int[] {planes.height(), planes.width()}).as(key + " shape")
                    .containsExactly(dims[0], dims[1]);
            int[] expected = pil.ints(key);
            float[] want = new float[expected.length];
            float[] got = new float[expected.length];
            for (int i = 0; i < expected.length; i++) {
                want[i] = expected[i];
                got[i] = planes.values()[i % channels][i / channels];   // PIL's layout: row-major, channels last
            }
            assertThat(got).as(key).containsExactly(want);
        }
    }

    /**
     * A YCCK JPEG (Adobe transform 2) decodes as PIL's convert("RGB") and convert("L"), not through ImageIO's CMYK
     * profile, which gave (204, 255, 255) for its first block; the vision module's ImageFilesTest covers CMYK.
     */
    @Test
    void ycckJpegDecodesAsPil() {
        assertDecodesAsPil("ycck.jpg");
    }

    /** predict's decoder reads a 16-bit RGB PNG as the image folders do: each sample's high byte, as PIL. */
    @Test
    void sixteenBitRgbPngKeepsEachSamplesHighByte() {
        assertDecodesAsPil("rgb16.png");
    }

    @Test
    void imagenetDefaults() {
        Preprocess p = Preprocess.imagenet(3, 224);
        assertThat(p.resize()).isEqualTo(256);
        assertThat(p.crop()).isEqualTo(224);
        assertThat(Preprocess.imagenet(1, 28).resize()).isEqualTo(32);
    }

    @Test
    void undecodableImageIsOneClearError() throws IOException {
        Path f = tmp.resolve("notes.png");
        Files.writeString(f, "this is text", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ImageInput.load(f, Preprocess.imagenet(3, 224)))
                .isInstanceOf(UserError.class).hasMessageContaining("cannot decode").hasMessageContaining("notes.png");
        Path trunc = tmp.resolve("cut.png");
        byte[] png = Files.readAllBytes(DIR.resolve("rgb.png"));
        Files.write(trunc, Arrays.copyOf(png, png.length / 2));
        assertThatThrownBy(() -> ImageInput.load(trunc, Preprocess.imagenet(3, 224)))
                .isInstanceOf(UserError.class).hasMessageContaining("cannot decode").hasMessageContaining("cut.png");
    }

    @Test
    void npyFromNumpy() {
        Npy.Array b = Npy.read(DIR.resolve("batch.npy"));
        assertThat(b.shape()).containsExactly(2, 1, 5, 4);
        assertThat(b.shapeString()).isEqualTo("(2,1,5,4)");
        double[] expected = fix.entry("batch").values();
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) b.data()[i]).isEqualTo(expected[i]);
        }
        Npy.Array s = Npy.read(DIR.resolve("single.npy"));
        assertThat(s.shape()).containsExactly(3, 4, 4);
        assertThat((double) s.data()[47]).isEqualTo(fix.entry("single").values()[47]);
    }

    @Test
    void npyOfWrongDtypeSaysHowToConvert() {
        assertThatThrownBy(() -> Npy.read(DIR.resolve("double.npy"))).isInstanceOf(UserError.class)
                .hasMessageContaining("float64, not float32").hasMessageContaining("astype(numpy.float32)");
    }

    @Test
    void npyTruncatedOrLyingAboutItsSize() throws IOException {
        byte[] good = Files.readAllBytes(DIR.resolve("batch.npy"));
        Path cut = tmp.resolve("cut.npy");
        Files.write(cut, Arrays.copyOf(good, good.length - 4));
        assertThatThrownBy(() -> Npy.read(cut)).isInstanceOf(UserError.class)
                .hasMessageContaining("should hold 160 bytes").hasMessageContaining("truncated");
        // A header claiming 2^31 values must fail before allocating.
        Path huge = tmp.resolve("huge.npy");
        Files.write(huge, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", 16));
        assertThatThrownBy(() -> Npy.read(huge)).isInstanceOf(UserError.class).hasMessageContaining("2^31");
        Path big = tmp.resolve("big.npy");
        Files.write(big, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 3, 224, 224), }", 16));
        assertThatThrownBy(() -> Npy.read(big)).isInstanceOf(UserError.class).hasMessageContaining("truncated or corrupt");
        Path text = tmp.resolve("text.npy");
        Files.writeString(text, "hello world, not numpy", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Npy.read(text)).isInstanceOf(UserError.class).hasMessageContaining("not a .npy file");
        Path fortran = tmp.resolve("f.npy");
        Files.write(fortran, npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16));
        assertThatThrownBy(() -> Npy.read(fortran)).isInstanceOf(UserError.class).hasMessageContaining("Fortran");
    }

    /** A version 1 .npy with the given header and {@code dataBytes} zero bytes of data. */
    static byte[] npy(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length + 1 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) (h.length + 1));
        b.put(h);
        b.put((byte) '\n');
        return b.array();
    }
}
