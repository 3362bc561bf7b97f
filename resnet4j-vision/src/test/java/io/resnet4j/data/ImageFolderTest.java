package io.resnet4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageFolderTest {
    @TempDir
    Path root;

    static BufferedImage rgb(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((seed + x) & 0xff) << 16 | ((y * 3) & 0xff) << 8 | ((x * y + seed) & 0xff));
            }
        }
        return img;
    }

    static void png(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void classesAreSortedDirectoriesAndPngPixelsAreExact() throws IOException {
        png(rgb(5, 4, 1), root.resolve("zebra/b.png"));
        png(rgb(6, 3, 2), root.resolve("zebra/a.PNG"));
        png(rgb(4, 4, 3), root.resolve("cat/x.png"));
        Files.writeString(root.resolve("cat/notes.txt"), "ignored");
        ImageIO.write(rgb(8, 8, 4), "jpg", root.resolve("cat/y.jpeg").toFile());

        ImageFolderDataset d = new ImageFolderDataset(root, 3);
        assertThat(d.classNames()).containsExactly("cat", "zebra");
        assertThat(d.size()).isEqualTo(4);
        assertThat(d.file(0).getFileName().toString()).isEqualTo("x.png");
        assertThat(d.file(1).getFileName().toString()).isEqualTo("y.jpeg");
        assertThat(d.file(2).getFileName().toString()).isEqualTo("a.PNG");
        assertThat(d.label(0)).isZero();
        assertThat(d.label(3)).isEqualTo(1);

        ImageView v = new ImageView();
        d.read(3, v);   // zebra/b.png, 5 wide, 4 high
        assertThat(v.width()).isEqualTo(5);
        assertThat(v.height()).isEqualTo(4);
        BufferedImage ref = rgb(5, 4, 1);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 5; x++) {
                int p = ref.getRGB(x, y);
                assertThat(v.get(0, y, x)).isEqualTo((p >> 16) & 0xff);
                assertThat(v.get(1, y, x)).isEqualTo((p >> 8) & 0xff);
                assertThat(v.get(2, y, x)).isEqualTo(p & 0xff);
            }
        }
        d.read(1, v);   // the JPEG decodes (lossy) to the right size
        assertThat(v.height()).isEqualTo(8);
        assertThat(v.channels()).isEqualTo(3);
    }

    /**
     * Every kind of colour image file decodes to what BufferedImage.getRGB says, whether decode reads the samples
     * straight from the raster (8-bit sRGB RGB and RGBA: JPEG, PNG) or converts through getRGB (palette): RGB,
     * and luma for one channel. Grey images are not here: getRGB changes their levels (below).
     */
    @Test
    void everyImageKindDecodesToItsGetRgbValues() throws IOException {
        SplittableRandom rng = new SplittableRandom(7);
        int w = 13, h = 7;
        BufferedImage[] kinds = {
                new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB),
                new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR),
                new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR),
                new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB),
                new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED),
        };
        for (int i = 0; i < kinds.length; i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    kinds[i].setRGB(x, y, rng.nextInt());
                }
            }
            png(kinds[i], root.resolve("k/" + i + ".png"));
            ImageIO.write(rgb(w, h, i), "jpg", root.resolve("k/" + i + ".jpg").toFile());
        }
        for (int channels : new int[]{3, 1}) {
            ImageFolderDataset d = new ImageFolderDataset(root, channels);
            ImageView v = new ImageView();
            for (int i = 0; i < d.size(); i++) {
                BufferedImage ref = ImageIO.read(d.file(i).toFile());
                d.read(i, v);
                String what = d.file(i).getFileName() + " (ImageIO type " + ref.getType() + "), " + channels
                        + " channels";
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int p = ref.getRGB(x, y), r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
                        if (channels == 3) {
                            assertThat(new int[]{v.get(0, y, x), v.get(1, y, x), v.get(2, y, x)}).as(what)
                                    .containsExactly(r, g, b);
                        } else {
                            assertThat(v.get(0, y, x)).as(what).isEqualTo(pilLuma(r, g, b));
                        }
                    }
                }
            }
        }
    }

    @Test
    void greyPngsKeepTheirValuesAndRgbConvertsToLuma() throws IOException {
        BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        int[] values = {0, 17, 128, 200, 254, 255};
        grey.getRaster().setSamples(0, 0, 3, 2, 0, values);
        png(grey, root.resolve("g/one.png"));
        BufferedImage color = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        color.setRGB(0, 0, 200 << 16 | 100 << 8 | 50);
        png(color, root.resolve("g/two.png"));

        ImageView v = new ImageView();
        ImageFolderDataset asGrey = new ImageFolderDataset(root, 1);
        asGrey.read(0, v);
        for (int k = 0; k < 6; k++) {
            assertThat(v.get(0, k / 3, k % 3)).isEqualTo(values[k]);
        }
        asGrey.read(1, v);
        assertThat(v.get(0, 0, 0)).isEqualTo(pilLuma(200, 100, 50));
        ImageFolderDataset asRgb = new ImageFolderDataset(root, 3);
        asRgb.read(0, v);
        assertThat(v.get(2, 1, 1)).isEqualTo(254);   // grey replicated into R, G, B
    }

    /** PIL's {@code convert("L")} (Convert.c, {@code L24}): luma in 16-bit fixed point. */
    static int pilLuma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /**
     * Colour to grey is PIL's exact integer luma, as predict's: rounding 0.299 R + 0.587 G + 0.114 B in decimals
     * differs from it for 9,040 of the 2^24 colours, e.g. (2, 20, 133), which PIL makes 27, not 28.
     */
    @Test
    void colourToGreyMatchesPilOnItsRoundingCases() throws IOException {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 2 << 16 | 20 << 8 | 133);
        img.setRGB(1, 0, 200 << 16 | 100 << 8 | 50);
        png(img, root.resolve("c/a.png"));
        ImageView v = new ImageView();
        new ImageFolderDataset(root, 1).read(0, v);
        assertThat(v.get(0, 0, 0)).isEqualTo(27);   // Image.new("RGB", (1, 1), (2, 20, 133)).convert("L")
        assertThat(v.get(0, 0, 1)).isEqualTo(124);
    }

    /**
     * Grey with alpha (PNG colour type 4) and 16-bit grey keep their stored levels, as 8-bit grey does: getRGB
     * would treat the samples as linear light and brighten them (a level of 17 came back as 73). 16-bit samples
     * keep their high byte, as PIL does with 16-bit RGB.
     */
    @Test
    void greyWithAlphaAndSixteenBitGreyKeepTheirLevels() throws IOException {
        int w = 5, h = 3;
        ColorSpace grey = ColorSpace.getInstance(ColorSpace.CS_GRAY);
        ComponentColorModel greyAlpha = new ComponentColorModel(grey, true, false, Transparency.TRANSLUCENT,
                DataBuffer.TYPE_BYTE);
        BufferedImage ga = new BufferedImage(greyAlpha, greyAlpha.createCompatibleWritableRaster(w, h), false, null);
        BufferedImage g16 = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
        int[] levels = new int[w * h];
        for (int k = 0; k < levels.length; k++) {
            levels[k] = k * 17;
            ga.getRaster().setSample(k % w, k / w, 0, levels[k]);
            ga.getRaster().setSample(k % w, k / w, 1, 255 - k);
            g16.getRaster().setSample(k % w, k / w, 0, levels[k] << 8 | (255 - k));    // high byte: the level
        }
        png(ga, root.resolve("g/alpha.png"));
        png(g16, root.resolve("g/deep.png"));
        for (int channels : new int[]{1, 3}) {
            ImageFolderDataset d = new ImageFolderDataset(root, channels);
            ImageView v = new ImageView();
            for (int i = 0; i < d.size(); i++) {
                d.read(i, v);
                for (int k = 0; k < levels.length; k++) {
                    for (int c = 0; c < channels; c++) {
                        assertThat(v.get(c, k / w, k % w)).as(d.file(i) + " channel " + c + " pixel " + k)
                                .isEqualTo(levels[k]);
                    }
                }
            }
        }
    }

    /**
     * As torchvision's ImageFolder (os.walk with followlinks): images in sub-directories of a class directory
     * belong to the class, in torchvision's order (each directory's files by name, directories sorted by path),
     * symbolic links to files and directories are followed, and a link loop is one clear error.
     */
    @Test
    void classesIncludeSubDirectoriesAndLinksInTorchvisionOrder() throws IOException {
        BufferedImage img = rgb(2, 2, 0);
        png(img, root.resolve("cat/z.png"));
        png(img, root.resolve("cat/2019/b.png"));
        png(img, root.resolve("cat/2019/a.png"));
        png(img, root.resolve("cat/2019-extra/c.png"));
        png(img, root.resolve("elsewhere/d.png"));
        png(img, root.resolve("dog/e.png"));
        Files.createSymbolicLink(root.resolve("dog/linked.png"), root.resolve("elsewhere/d.png"));
        Files.createSymbolicLink(root.resolve("dog/more"), root.resolve("elsewhere"));
        ImageFolderDataset d = new ImageFolderDataset(root, 3);
        assertThat(d.classNames()).containsExactly("cat", "dog", "elsewhere");
        // sorted(os.walk("cat")): "cat" < "cat/2019" < "cat/2019-extra", as strings
        assertThat(java.util.stream.IntStream.range(0, d.size()).mapToObj(i -> root.relativize(d.file(i)).toString()))
                .containsExactly("cat/z.png", "cat/2019/a.png", "cat/2019/b.png", "cat/2019-extra/c.png",
                        "dog/e.png", "dog/linked.png", "dog/more/d.png", "elsewhere/d.png");
        assertThat(d.label(3)).isZero();
        assertThat(d.label(6)).isEqualTo(1);

        Files.createSymbolicLink(root.resolve("dog/more/loop"), root.resolve("dog"));
        assertThatThrownBy(() -> new ImageFolderDataset(root, 3))
                .isInstanceOf(DatasetException.class).hasMessageContaining("loops back").hasMessageContaining("loop");
    }

    /** macOS AppleDouble files (._x.png), .DS_Store and hidden directories are not images nor classes. */
    @Test
    void hiddenFilesAndDirectoriesAreSkipped() throws IOException {
        png(rgb(2, 2, 0), root.resolve("cat/x.png"));
        Files.write(root.resolve("cat/._x.png"), new byte[]{0, 5, 22, 7, 0, 2, 0, 0});   // AppleDouble magic
        Files.write(root.resolve(".DS_Store"), new byte[]{0, 0, 0, 1, 'B', 'u', 'd', '1'});
        png(rgb(2, 2, 0), root.resolve("cat/.ipynb_checkpoints/x-checkpoint.png"));
        png(rgb(2, 2, 0), root.resolve(".Trashes/old/y.png"));
        ImageFolderDataset d = new ImageFolderDataset(root, 3);
        assertThat(d.classNames()).containsExactly("cat");
        assertThat(d.size()).isOne();
        d.read(0, new ImageView());
    }

    /**
     * Image files that torchvision's ImageFolder takes but resnet4j does not read (.webp, .bmp, .tif, ...) are
     * refused when the folder is opened, naming one: skipped, the class would train on part of its images.
     */
    @Test
    void imagesOfOtherKindsAreRefusedNotSkipped() throws IOException {
        png(rgb(2, 2, 0), root.resolve("cat/x.png"));
        Files.write(root.resolve("cat/y.WEBP"), new byte[]{'R', 'I', 'F', 'F'});
        Files.write(Files.createDirectories(root.resolve("cat/sub")).resolve("z.tif"), new byte[]{'I', 'I', 42, 0});
        assertThatThrownBy(() -> new ImageFolderDataset(root, 3)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(root.resolve("cat") + " holds 2 image file(s) of a kind resnet4j does not read")
                .hasMessageContaining("(PNG and JPEG only)").hasMessageContaining("convert them to PNG");
        Files.delete(root.resolve("cat/y.WEBP"));
        Files.delete(root.resolve("cat/sub/z.tif"));
        Files.write(root.resolve("cat/notes.txt"), new byte[]{'h', 'i'});
        assertThat(new ImageFolderDataset(root, 3).size()).as("other files are still ignored").isOne();
    }

    /** A link to an image that is gone is refused when the folder is opened, not skipped or failed on mid-epoch. */
    @Test
    void aBrokenLinkToAnImageIsRefused() throws IOException {
        png(rgb(2, 2, 0), root.resolve("cat/x.png"));
        Path link = Files.createSymbolicLink(root.resolve("cat/y.png"), root.resolve("elsewhere/y.png"));
        assertThatThrownBy(() -> new ImageFolderDataset(root, 3)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("image " + link + " is a symbolic link to a file that does not exist");
        Files.delete(link);
        Files.createSymbolicLink(root.resolve("cat/notes.txt"), root.resolve("elsewhere/notes.txt"));
        assertThat(new ImageFolderDataset(root, 3).size()).as("a broken link to a non-image is ignored").isOne();
    }

    @Test
    void undecodableAndEmptyFoldersGiveClearErrors() throws IOException {
        Files.createDirectories(root.resolve("a"));
        Files.write(root.resolve("a/broken.png"), new byte[]{1, 2, 3, 4, 5});
        ImageFolderDataset d = new ImageFolderDataset(root, 3);
        assertThatThrownBy(() -> d.read(0, new ImageView()))
                .isInstanceOf(DatasetException.class).hasMessageContaining("broken.png");
        Files.createDirectories(root.resolve("b"));
        assertThatThrownBy(() -> new ImageFolderDataset(root, 3))
                .isInstanceOf(DatasetException.class).hasMessageContaining("holds no .png");
        assertThatThrownBy(() -> new ImageFolderDataset(root.resolve("a/broken.png"), 3))
                .isInstanceOf(DatasetException.class).hasMessageContaining("not a directory");
        Path flat = Files.createDirectories(root.resolve("b/flat"));
        assertThatThrownBy(() -> new ImageFolderDataset(flat, 3))
                .isInstanceOf(DatasetException.class).hasMessageContaining("no sub-directories");
    }

    @Test
    void loaderResizesAndCentreCropsFolderImages() throws IOException {
        png(rgb(40, 30, 1), root.resolve("a/1.png"));
        png(rgb(17, 50, 2), root.resolve("b/1.png"));
        ImageFolderDataset d = new ImageFolderDataset(root, 3);
        Augmentation eval = Augmentation.imagenetEval(20, 16, Augmentation.Normalization.unit(3));
        try (DataLoader loader = new DataLoader(d, eval, LoaderConfig.eval(2))) {
            var batch = loader.epoch(0).next();
            assertThat(batch.images().shape().dims()).containsExactly(2, 3, 16, 16);
            assertThat(batch.labels()[0]).isZero();
            assertThat(batch.labels()[1]).isEqualTo(1);
            for (float f : batch.images().data()) {
                assertThat(f).isBetween(0f, 1f);
            }
        }
        // Random-resized crops of differently sized images have the output size too.
        Augmenter train = new Augmenter(Augmentation.imagenetTrain(12, Augmentation.Normalization.unit(3)), 3);
        float[] out = new float[3 * 12 * 12];
        ImageView v = new ImageView();
        for (int i = 0; i < d.size(); i++) {
            d.read(i, v);
            train.apply(v, new SplittableRandom(i), out, 0);
        }
    }
}
