package io.resnet4j.data;

import io.resnet4j.data.Augmentation.Crop;
import io.resnet4j.data.Augmentation.Erasing;
import io.resnet4j.data.Augmentation.Normalization;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AugmenterTest {
    /** A C x H x W image with distinct values: (c*97 + y*13 + x*5 + 1) mod 256, never 0. */
    static ImageView image(int c, int h, int w) {
        byte[] b = new byte[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    b[(ch * h + y) * w + x] = (byte) ((ch * 97 + y * 13 + x * 5) % 255 + 1);
                }
            }
        }
        return ImageView.of(b, c, h, w);
    }

    static final Normalization UNIT1 = Normalization.unit(1);

    @Test
    void normalisationMapsBytesToStandardisedValues() {
        Normalization n = new Normalization(new double[]{0.5, 0.25}, new double[]{0.5, 0.125});
        byte[] px = {0, (byte) 255, (byte) 51, 0};   // channel 0: 0, 255; channel 1: 51, 0
        Augmenter a = new Augmenter(Augmentation.normalizeOnly(1, 2, n), 2);
        float[] out = new float[4];
        a.apply(ImageView.of(px, 2, 1, 2), new SplittableRandom(1), out, 0);
        assertThat(out[0]).isCloseTo(-1f, within(1e-6f));
        assertThat(out[1]).isCloseTo(1f, within(1e-6f));
        assertThat(out[2]).isCloseTo((0.2f - 0.25f) / 0.125f, within(1e-6f));
        assertThat(out[3]).isCloseTo(-2f, within(1e-6f));
    }

    @Test
    void shiftAtAKnownOffsetCopiesTheWindowAndZeroPadsOutside() {
        ImageView img = image(2, 6, 5);
        Augmenter a = new Augmenter(Augmentation.padCropFlip(6, 2, Normalization.unit(2)).withErasing(new Erasing.None()), 2);
        float[] out = new float[2 * 6 * 6];
        a.shift(img, -2, 1, false, out, 0);   // window starts 2 rows above the image, 1 column right
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 6; x++) {
                    int sy = y - 2;
                    int sx = x + 1;
                    float want = sy >= 0 && sy < 6 && sx < 5 ? img.get(c, sy, sx) / 255f : 0f;
                    assertThat(out[(c * 6 + y) * 6 + x]).as("c%d y%d x%d", c, y, x).isEqualTo(want);
                }
            }
        }
    }

    @Test
    void padCropOffsetsCoverTheWholeRangeAndAreSeedDeterministic() {
        ImageView img = image(1, 8, 8);
        Augmenter a = new Augmenter(new Augmentation(8, 8, new Crop.PadRandom(2), false, UNIT1, new Erasing.None()), 1);
        float[] out = new float[64];
        float[] again = new float[64];
        Set<String> offsets = new HashSet<>();
        for (int s = 0; s < 400; s++) {
            a.apply(img, Augmenter.random(7, 0, s), out, 0);
            a.apply(img, Augmenter.random(7, 0, s), again, 0);
            assertThat(again).isEqualTo(out);
            offsets.add(findOffset(img, out));
        }
        assertThat(offsets).hasSize(25);   // every (dy, dx) in [-2, 2]^2
    }

    /** The (dy, dx) for which out equals the shifted image, or fails. */
    private static String findOffset(ImageView img, float[] out) {
        for (int dy = -2; dy <= 2; dy++) {
            for (int dx = -2; dx <= 2; dx++) {
                boolean match = true;
                for (int y = 0; y < 8 && match; y++) {
                    for (int x = 0; x < 8 && match; x++) {
                        int sy = y + dy;
                        int sx = x + dx;
                        float want = sy >= 0 && sy < 8 && sx >= 0 && sx < 8 ? img.get(0, sy, sx) / 255f : 0f;
                        match = out[y * 8 + x] == want;
                    }
                }
                if (match) {
                    return dy + "," + dx;
                }
            }
        }
        throw new AssertionError("output is no shift of the input");
    }

    @Test
    void flipIsAMirrorAndFlippingTwiceIsIdentity() {
        ImageView img = image(3, 5, 7);
        Augmenter plain = new Augmenter(Augmentation.normalizeOnly(5, 7, Normalization.unit(3)), 3);
        Augmenter flip = new Augmenter(new Augmentation(5, 7, new Crop.None(), true, Normalization.unit(3), new Erasing.None()), 3);
        float[] id = new float[3 * 35];
        plain.apply(img, new SplittableRandom(0), id, 0);
        int flips = 0;
        for (int s = 0; s < 64; s++) {
            float[] out = new float[3 * 35];
            flip.apply(img, new SplittableRandom(s), out, 0);
            if (!java.util.Arrays.equals(out, id)) {
                flips++;
                assertThat(out).isEqualTo(mirror(id, 3, 5, 7));
            }
        }
        assertThat(flips).isBetween(16, 48);
        assertThat(mirror(mirror(id, 3, 5, 7), 3, 5, 7)).isEqualTo(id);

        // The flipped output, fed back as an image and flipped again, is the original.
        float[] once = new float[3 * 35];
        flip.shift(img, 0, 0, true, once, 0);
        byte[] back = new byte[once.length];
        for (int k = 0; k < once.length; k++) {
            back[k] = (byte) Math.round(once[k] * 255);
        }
        float[] twice = new float[3 * 35];
        flip.shift(ImageView.of(back, 3, 5, 7), 0, 0, true, twice, 0);
        assertThat(twice).isEqualTo(id);
    }

    private static float[] mirror(float[] a, int c, int h, int w) {
        float[] m = new float[a.length];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    m[(ch * h + y) * w + x] = a[(ch * h + y) * w + (w - 1 - x)];
                }
            }
        }
        return m;
    }

    @Test
    void resampleIsExactAtScaleOneAndAveragesPairsAtHalfScale() {
        ImageView img = image(1, 8, 6);
        Augmenter same = new Augmenter(new Augmentation(8, 6, new Crop.ResizeCenter(6), false, UNIT1, new Erasing.None()), 1);
        float[] out = new float[48];
        same.apply(img, new SplittableRandom(0), out, 0);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 6; x++) {
                assertThat(out[y * 6 + x]).isCloseTo(img.get(0, y, x) / 255f, within(1e-6f));
            }
        }
        // Shorter side 6 -> 3: each output pixel is the mean of a 2x2 block (half-pixel centres).
        Augmenter half = new Augmenter(new Augmentation(4, 3, new Crop.ResizeCenter(3), false, UNIT1, new Erasing.None()), 1);
        float[] small = new float[12];
        half.apply(img, new SplittableRandom(0), small, 0);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 3; x++) {
                double mean = (img.get(0, 2 * y, 2 * x) + img.get(0, 2 * y, 2 * x + 1) + img.get(0, 2 * y + 1, 2 * x) + img.get(0, 2 * y + 1, 2 * x + 1)) / 4.0 / 255;
                assertThat(small[y * 3 + x]).isCloseTo((float) mean, within(1e-5f));
            }
        }
    }

    @Test
    void centreCropTakesTheMiddleWindow() {
        ImageView img = image(1, 10, 6);   // shorter side 6 stays 6: no resize, crop rows 2..7 of 10
        Augmenter a = new Augmenter(new Augmentation(6, 6, new Crop.ResizeCenter(6), false, UNIT1, new Erasing.None()), 1);
        float[] out = new float[36];
        a.apply(img, new SplittableRandom(0), out, 0);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 6; x++) {
                assertThat(out[y * 6 + x]).isCloseTo(img.get(0, y + 2, x) / 255f, within(1e-6f));
            }
        }
    }

    @Test
    void randomResizedCropWithFullScaleIsIdentityAndRegionsStayInside() {
        ImageView img = image(1, 9, 9);
        Augmenter full = new Augmenter(new Augmentation(9, 9, new Crop.RandomResized(1, 1, 1, 1), false, UNIT1, new Erasing.None()), 1);
        float[] out = new float[81];
        full.apply(img, new SplittableRandom(3), out, 0);
        for (int k = 0; k < 81; k++) {
            assertThat(out[k]).isCloseTo(img.get(0, k / 9, k % 9) / 255f, within(1e-6f));
        }
        int[] region = new int[4];
        Crop.RandomResized std = Crop.RandomResized.standard();
        for (int s = 0; s < 2000; s++) {
            int h = 5 + s % 40;
            int w = 3 + (s * 7) % 50;
            Augmenter.randomResizedRegion(std, h, w, new SplittableRandom(s), region);
            assertThat(region[2]).isBetween(1, h);
            assertThat(region[3]).isBetween(1, w);
            assertThat(region[0] + region[2]).isLessThanOrEqualTo(h);
            assertThat(region[1] + region[3]).isLessThanOrEqualTo(w);
            assertThat(region[0]).isNotNegative();
            assertThat(region[1]).isNotNegative();
        }
    }

    @Test
    void cutoutZeroesASquareAndRandomErasingARectangle() {
        ImageView img = image(1, 16, 16);
        Augmenter cut = new Augmenter(Augmentation.normalizeOnly(16, 16, UNIT1).withErasing(new Erasing.Cutout(4, 1.0)), 1);
        float[] out = new float[256];
        for (int s = 0; s < 50; s++) {
            cut.apply(img, new SplittableRandom(s), out, 0);
            int zeros = 0;
            for (float f : out) {
                zeros += f == 0f ? 1 : 0;   // the image has no zero pixel
            }
            assertThat(zeros).isBetween(4, 16);   // a 4x4 square, clipped to at least 2x2 at a corner
        }
        Augmenter never = new Augmenter(Augmentation.normalizeOnly(16, 16, UNIT1).withErasing(new Erasing.Cutout(4, 0.0)), 1);
        never.apply(img, new SplittableRandom(1), out, 0);
        for (float f : out) {
            assertThat(f).isNotZero();
        }
        Augmenter erase = new Augmenter(Augmentation.normalizeOnly(16, 16, UNIT1)
                .withErasing(new Erasing.RandomErasing(1.0, 0.1, 0.2, 0.5, 2.0, -3f)), 1);
        erase.apply(img, new SplittableRandom(5), out, 0);
        int erased = 0;
        for (float f : out) {
            erased += f == -3f ? 1 : 0;
        }
        assertThat(erased).isBetween(10, 70);
    }

    @Test
    void presetsSayWhetherTheyAreRandom() {
        assertThat(Augmentation.normalizeOnly(4, 4, UNIT1).deterministic()).isTrue();
        assertThat(Augmentation.imagenetEval(256, 224, Normalization.imagenet()).deterministic()).isTrue();
        assertThat(Augmentation.padCropFlip(32, 4, Normalization.cifar10()).deterministic()).isFalse();
        assertThat(Augmentation.imagenetTrain(224, Normalization.imagenet()).deterministic()).isFalse();
        assertThat(Augmentation.normalizeOnly(4, 4, UNIT1).withErasing(Erasing.RandomErasing.standard()).deterministic()).isFalse();
    }

    @Test
    void randomErasingWithAnotherProbabilityKeepsTheRest() {
        assertThat(Erasing.RandomErasing.standard().withProbability(0.25))
                .isEqualTo(new Erasing.RandomErasing(0.25, 0.02, 0.33, 0.3, 3.3, 0f));
        assertThatThrownBy(() -> Erasing.RandomErasing.standard().withProbability(1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("probability must be in [0, 1]");
    }

    @Test
    void configsValidateAndMismatchesAreReported() {
        assertThatThrownBy(() -> new Crop.PadRandom(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Crop.RandomResized(0.5, 0.2, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Erasing.Cutout(4, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Normalization(new double[]{0.5}, new double[]{0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Augmentation(0, 4, new Crop.None(), false, UNIT1, new Erasing.None())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Augmenter(Augmentation.normalizeOnly(4, 4, UNIT1), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channel");
        Augmenter a = new Augmenter(Augmentation.normalizeOnly(4, 4, UNIT1), 1);
        assertThatThrownBy(() -> a.apply(image(1, 5, 4), new SplittableRandom(0), new float[16], 0))
                .isInstanceOf(DatasetException.class).hasMessageContaining("5x4");
    }
}
