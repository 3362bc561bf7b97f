package io.resnet4j.data;

import java.util.List;

/**
 * Decoded images held in memory as one compact uint8 array: example i occupies
 * {@code pixels[i*C*H*W, (i+1)*C*H*W)} in CHW order. Labels are validated against the class names on
 * construction. The arrays are not copied; treat them as read-only.
 */
public final class ArrayDataset implements Dataset {
    private final String name;
    private final byte[] pixels;   // (N, C, H, W) uint8
    private final int[] labels;    // (N) in [0, classNames.size())
    private final int channels;
    private final int height;
    private final int width;
    private final List<String> classNames;

    public ArrayDataset(String name, byte[] pixels, int[] labels, int channels, int height, int width, List<String> classNames) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(name + ": bad image size " + channels + "x" + height + "x" + width);
        }
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes for " + labels.length
                    + " images of " + channels + "x" + height + "x" + width);
        }
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException(name + ": no class names");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new DatasetException(name + ": label " + labels[i] + " of example " + i + " is outside 0.."
                        + (classNames.size() - 1) + " (" + classNames.size() + " classes)");
            }
        }
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
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
        view.set(pixels, i * imageBytes(), channels, height, width);
    }

    /** Bytes per image, {@code C*H*W}. */
    public int imageBytes() {
        return channels * height * width;
    }

    /** The pixel array (N, C, H, W), not copied. */
    public byte[] pixels() {
        return pixels;
    }

    /** A copy of the labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** The examples at {@code indices}, in that order, copied into a new dataset. */
    public ArrayDataset subset(String subsetName, int[] indices) {
        int bytes = imageBytes();
        byte[] p = new byte[Math.multiplyExact(indices.length, bytes)];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(pixels, indices[k] * bytes, p, k * bytes, bytes);
            l[k] = labels[indices[k]];
        }
        return new ArrayDataset(subsetName, p, l, channels, height, width, classNames);
    }

    /** Per-channel mean and standard deviation of the pixels scaled to [0, 1] (population std). */
    public Augmentation.Normalization statistics() {
        double[] mean = new double[channels];
        double[] std = new double[channels];
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            long sum = 0;
            long sumSq = 0;
            for (int i = 0; i < labels.length; i++) {
                int base = (i * channels + c) * plane;
                for (int k = 0; k < plane; k++) {
                    int v = pixels[base + k] & 0xff;
                    sum += v;
                    sumSq += (long) v * v;
                }
            }
            double n = (double) labels.length * plane;
            double m = sum / n;
            mean[c] = m / 255.0;
            std[c] = Math.sqrt(Math.max(0, sumSq / n - m * m)) / 255.0;
        }
        return new Augmentation.Normalization(mean, std);
    }

    @Override
    public String toString() {
        return name + " (" + size() + " images " + channels + "x" + height + "x" + width + ", " + numClasses() + " classes)";
    }
}
