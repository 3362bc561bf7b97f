package io.resnet4j.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Images in one directory per class ({@code root/<class>/<image>.png|jpg|jpeg}), as torchvision's
 * {@code ImageFolder}. Classes are the sub-directory names sorted (so label i is the i-th name); a class holds
 * the images anywhere below its directory (sub-directories and symbolic links included), sorted by directory,
 * then by name. Hidden files and directories (names starting with a dot) are skipped. Only the file list is
 * built on construction: images are decoded lazily, on every {@link #read}, by the loader threads (through
 * {@code javax.imageio}), so a folder of any size opens at once and holds no pixels in memory. Images vary in
 * size: pair this dataset with a resizing crop ({@link Augmentation.Crop.RandomResized} for training,
 * {@link Augmentation.Crop.ResizeCenter} for evaluation).
 */
public final class ImageFolderDataset implements Dataset {
    /** Largest image accepted, in pixels (checked from the file header before decoding). */
    public static final long MAX_PIXELS = 64L << 20;

    private final String name;
    private final Path root;
    private final int channels;
    private final List<String> classNames;
    private final Path[] files;
    private final int[] labels;

    /**
     * Lists the images under {@code root}.
     *
     * @param channels 3 to decode as RGB, 1 to convert to grey (ITU-R 601 luma, as PIL's {@code convert("L")})
     */
    public ImageFolderDataset(Path root, int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (!Files.isDirectory(root)) {
            throw new DatasetException(root + " is not a directory; an image folder dataset is a directory with one sub-directory of images per class");
        }
        List<Path> classDirs = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> Files.isDirectory(p) && !isHidden(p)).sorted().forEach(classDirs::add);
        } catch (IOException e) {
            throw new DatasetException("cannot list " + root + ": " + e.getMessage(), e);
        }
        if (classDirs.isEmpty()) {
            throw new DatasetException(root + " has no sub-directories; put the images of each class in their own directory, e.g. "
                    + root.resolve("cat").resolve("001.jpg"));
        }
        List<String> names = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        List<Integer> labs = new ArrayList<>();
        for (Path dir : classDirs) {
            List<Path> images = imagesUnder(dir);
            if (images.isEmpty()) {
                throw new DatasetException("class directory " + dir + " holds no .png, .jpg or .jpeg files; remove it or add images");
            }
            for (Path p : images) {
                paths.add(p);
                labs.add(names.size());
            }
            names.add(dir.getFileName().toString());
        }
        this.name = root.getFileName() == null ? root.toString() : root.getFileName().toString();
        this.root = root;
        this.channels = channels;
        this.classNames = List.copyOf(names);
        this.files = paths.toArray(new Path[0]);
        this.labels = labs.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The images in {@code dir} and its sub-directories, symbolic links followed, in torchvision's order
     * ({@code sorted(os.walk(dir, followlinks=True))}, then names sorted): by directory, then by name.
     */
    private static List<Path> imagesUnder(Path dir) {
        List<Path> images = new ArrayList<>(), unread = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            s.filter(p -> !hiddenBelow(dir, p)).forEach(p -> {
                if (Files.isSymbolicLink(p) && !Files.exists(p) && (isImageName(p) || isOtherImageName(p))) {
                    // torchvision would list it and fail when it decodes it, mid-epoch
                    throw new DatasetException("image " + p + " is a symbolic link to a file that does not exist; "
                            + "restore its target or remove the link");
                }
                if (!Files.isRegularFile(p)) {
                    return;
                }
                if (isImageName(p)) {
                    images.add(p);
                } else if (isOtherImageName(p)) {
                    unread.add(p);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            if (cause instanceof FileSystemLoopException loop) {
                throw new DatasetException("a symbolic link in " + dir + " loops back to a directory above it: "
                        + loop.getFile() + "; remove that link", e);
            }
            throw new DatasetException("cannot list " + dir + ": " + cause.getMessage(), e);
        }
        if (!unread.isEmpty()) {
            // torchvision's ImageFolder would train on these too: skipping them would train on part of the class
            unread.sort(null);
            throw new DatasetException(dir + " holds " + unread.size() + " image file(s) of a kind resnet4j does not "
                    + "read, e.g. " + unread.get(0).getFileName() + " (PNG and JPEG only); convert them to PNG (e.g. "
                    + "mogrify -format png *.webp) or move them out of the folder");
        }
        images.sort(Comparator.comparing(Path::getParent).thenComparing(Path::getFileName));
        return images;
    }

    /**
     * Names starting with a dot are hidden: macOS leaves {@code ._photo.png} (AppleDouble metadata, not an image)
     * beside each file copied to a foreign disk, and tools leave {@code .ipynb_checkpoints/}. torchvision lists
     * them and fails when it decodes one, mid-epoch; we skip them.
     */
    private static boolean isHidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    /** True when {@code p} or a directory between {@code dir} and it is hidden. */
    private static boolean hiddenBelow(Path dir, Path p) {
        for (Path part : dir.relativize(p)) {
            if (isHidden(part)) {
                return true;
            }
        }
        return false;
    }

    static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    /** torchvision's other IMG_EXTENSIONS (.bmp .pgm .ppm .tif .tiff .webp): images not read here. */
    static boolean isOtherImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".bmp") || n.endsWith(".pgm") || n.endsWith(".ppm") || n.endsWith(".tif")
                || n.endsWith(".tiff") || n.endsWith(".webp");
    }

    public Path root() {
        return root;
    }

    /** The file of example {@code i}. */
    public Path file(int i) {
        return files[i];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return files.length;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return -1;
    }

    @Override
    public int width() {
        return -1;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    @Override
    public void read(int i, ImageView view) {
        decode(files[i], channels, view);
    }

    /** Decodes a PNG or JPEG file into {@code view} (CHW uint8, 1 or 3 channels). */
    public static void decode(Path file, int channels, ImageView view) {
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new DatasetException("cannot open image " + file);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new DatasetException("cannot decode image " + file + ": not a PNG or JPEG file (or a corrupt one)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new DatasetException("image " + file + " is " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + ", larger than " + MAX_PIXELS + " pixels; resize it first");
                }
                img = ImageFiles.read(reader);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException de) {
                throw de;
            }
            throw new DatasetException("cannot decode image " + file + ": " + e.getMessage() + " (corrupt or truncated file?)", e);
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int plane = w * h;
        byte[] out = view.buffer(channels * plane);
        if (interleavedSrgb(img, channels, out)) {
            view.set(out, 0, channels, h, w);
            return;
        }
        if (view.argb.length < plane) {
            view.argb = new int[plane];
        }
        ColorModel cm = img.getColorModel();
        if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            // Grey, 8 or 16 bits, with or without alpha (band 1): getRGB would treat the levels as linear light
            // and brighten them; take the samples, the high byte of 16-bit ones (as PIL does with 16-bit RGB).
            int[] grey = view.argb;
            img.getRaster().getSamples(0, 0, w, h, 0, grey);
            int shift = Math.max(0, cm.getComponentSize(0) - 8);
            for (int c = 0; c < channels; c++) {
                for (int k = 0; k < plane; k++) {
                    out[c * plane + k] = (byte) (grey[k] >>> shift);
                }
            }
            view.set(out, 0, channels, h, w);
            return;
        }
        int[] argb = view.argb;
        for (int y = 0; y < h; y++) {
            ImageFiles.rgbRow(img, y, argb, y * w);
        }
        if (channels == 3) {
            for (int k = 0; k < plane; k++) {
                int p = argb[k];
                out[k] = (byte) (p >>> 16);
                out[plane + k] = (byte) (p >>> 8);
                out[2 * plane + k] = (byte) p;
            }
        } else {
            for (int k = 0; k < plane; k++) {
                int p = argb[k];
                int r = (p >>> 16) & 0xff;
                int g = (p >>> 8) & 0xff;
                int b = p & 0xff;
                out[k] = (byte) luma(r, g, b);
            }
        }
        view.set(out, 0, channels, h, w);
    }

    /** Grey from 8-bit RGB: ITU-R 601 luma in PIL's 16-bit fixed point, exactly its {@code convert("L")}. */
    private static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /**
     * The samples of an 8-bit, pixel-interleaved sRGB image (what ImageIO returns for RGB and RGBA JPEG and PNG
     * files), read straight from its data buffer into out (channels x h x w; 1 channel: luma as below); false,
     * with out untouched, for any other image. For these images getRGB returns the same bytes, but converts each
     * pixel through the colour model: 80% of a loader thread's time on 500x375 JPEGs.
     */
    private static boolean interleavedSrgb(BufferedImage img, int channels, byte[] out) {
        if (!(img.getColorModel() instanceof ComponentColorModel cm) || !cm.getColorSpace().isCS_sRGB()
                || cm.isAlphaPremultiplied() || cm.getNumColorComponents() != 3
                || cm.getTransferType() != DataBuffer.TYPE_BYTE) {
            return false;
        }
        for (int b = 0; b < cm.getNumComponents(); b++) {
            if (cm.getComponentSize(b) != 8) {
                return false;
            }
        }
        WritableRaster r = img.getRaster();
        if (!(r.getSampleModel() instanceof ComponentSampleModel sm)
                || !(r.getDataBuffer() instanceof DataBufferByte db) || db.getNumBanks() != 1) {
            return false;
        }
        for (int bank : sm.getBankIndices()) {
            if (bank != 0) {
                return false;
            }
        }
        int w = img.getWidth(), h = img.getHeight(), plane = w * h;
        byte[] data = db.getData();
        int pixel = sm.getPixelStride(), line = sm.getScanlineStride();
        // raster bands follow the colour model's components: 0 red, 1 green, 2 blue
        int[] band = sm.getBandOffsets();
        int base = db.getOffset() - r.getSampleModelTranslateY() * line - r.getSampleModelTranslateX() * pixel;
        for (int y = 0; y < h; y++) {
            int row = base + y * line, o = y * w;
            for (int x = 0; x < w; x++) {
                int p = row + x * pixel;
                int red = data[p + band[0]] & 0xff, green = data[p + band[1]] & 0xff, blue = data[p + band[2]] & 0xff;
                if (channels == 3) {
                    out[o + x] = (byte) red;
                    out[plane + o + x] = (byte) green;
                    out[2 * plane + o + x] = (byte) blue;
                } else {
                    out[o + x] = (byte) luma(red, green, blue);
                }
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return name + " (" + size() + " images in " + classNames.size() + " classes, decoded on demand)";
    }
}
