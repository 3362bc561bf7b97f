package io.resnet4j.data;

import java.util.Arrays;

/**
 * How one uint8 image becomes one float32 {@code channels x height x width} example: a crop (which may pad or
 * resize), an optional horizontal flip with probability 1/2, per-channel normalisation
 * {@code (pixel/255 - mean[c]) / std[c]}, then optional erasing. Random choices come from a
 * {@link java.util.SplittableRandom} seeded by (loader seed, epoch, example index), so they are reproducible
 * and independent of batch size, shuffle order and thread scheduling; see {@link Augmenter}.
 *
 * @param height output height
 * @param width  output width
 * @param crop   how the output window is taken from the image
 * @param horizontalFlip mirror left-right with probability 1/2
 * @param normalization per-channel mean and std (on the [0, 1] scale)
 * @param erasing what to erase after normalisation ({@link Erasing.None} for nothing)
 */
public record Augmentation(int height, int width, Crop crop, boolean horizontalFlip, Normalization normalization, Erasing erasing) {
    public Augmentation {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("output size must be positive, got " + height + "x" + width);
        }
        if (crop == null || normalization == null || erasing == null) {
            throw new IllegalArgumentException("crop, normalization and erasing must be given (use Crop.None, Erasing.None)");
        }
    }

    /** The CIFAR recipe of He et al. 2015 (sec. 4.2): pad 4, random crop, flip, normalise; used for 28x28 data too. */
    public static Augmentation padCropFlip(int size, int pad, Normalization normalization) {
        return new Augmentation(size, size, new Crop.PadRandom(pad), true, normalization, new Erasing.None());
    }

    /** Normalisation only: evaluation on images that already have the output size. */
    public static Augmentation normalizeOnly(int height, int width, Normalization normalization) {
        return new Augmentation(height, width, new Crop.None(), false, normalization, new Erasing.None());
    }

    /** ImageNet training: random-resized crop to {@code size} (scale 0.08-1, ratio 3/4-4/3), flip, normalise. */
    public static Augmentation imagenetTrain(int size, Normalization normalization) {
        return new Augmentation(size, size, Crop.RandomResized.standard(), true, normalization, new Erasing.None());
    }

    /** ImageNet evaluation: resize the shorter side to {@code resize}, centre-crop {@code size}, normalise. */
    public static Augmentation imagenetEval(int resize, int size, Normalization normalization) {
        return new Augmentation(size, size, new Crop.ResizeCenter(resize), false, normalization, new Erasing.None());
    }

    public Augmentation withErasing(Erasing e) {
        return new Augmentation(height, width, crop, horizontalFlip, normalization, e);
    }

    /** True when the output does not depend on the random stream (evaluation transforms). */
    public boolean deterministic() {
        return !horizontalFlip && erasing instanceof Erasing.None
                && (crop instanceof Crop.None || crop instanceof Crop.ResizeCenter);
    }

    /** How the output window is taken from the input image. */
    public sealed interface Crop {
        /** The image is used as it is; it must already have the output size. */
        record None() implements Crop {
        }

        /**
         * Zero-pad {@code pad} pixels on every side, then take an output-sized window at a uniformly random
         * position (torchvision {@code RandomCrop(size, padding=pad)}; padding is black before normalisation).
         */
        record PadRandom(int pad) implements Crop {
            public PadRandom {
                if (pad < 0 || pad > 1024) {
                    throw new IllegalArgumentException("pad must be in 0..1024, got " + pad);
                }
            }
        }

        /**
         * A random window covering {@code scale} of the area with aspect ratio in {@code ratio} (log-uniform),
         * resized bilinearly to the output size (torchvision {@code RandomResizedCrop}: 10 attempts, then a
         * centre crop with the ratio clamped). Resizing is bilinear without an antialiasing filter.
         */
        record RandomResized(double minScale, double maxScale, double minRatio, double maxRatio) implements Crop {
            public RandomResized {
                if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
                    throw new IllegalArgumentException("need 0 < minScale <= maxScale <= 1, got " + minScale + ", " + maxScale);
                }
                if (!(minRatio > 0 && minRatio <= maxRatio && Double.isFinite(maxRatio))) {
                    throw new IllegalArgumentException("need 0 < minRatio <= maxRatio, got " + minRatio + ", " + maxRatio);
                }
            }

            /** scale (0.08, 1), ratio (3/4, 4/3), as torchvision's defaults. */
            public static RandomResized standard() {
                return new RandomResized(0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
            }
        }

        /**
         * Resize bilinearly so that the shorter side is {@code resize} pixels, then take the central
         * output-sized window (torchvision {@code Resize(resize)} + {@code CenterCrop(size)}).
         */
        record ResizeCenter(int resize) implements Crop {
            public ResizeCenter {
                if (resize <= 0) {
                    throw new IllegalArgumentException("resize must be positive, got " + resize);
                }
            }
        }
    }

    /** Erasing applied to the normalised output. */
    public sealed interface Erasing {
        /** Nothing is erased. */
        record None() implements Erasing {
        }

        /**
         * Cutout (DeVries and Taylor 2017): with probability {@code probability}, a {@code size x size} square
         * centred at a uniformly random pixel (clipped at the borders) is set to 0.
         */
        record Cutout(int size, double probability) implements Erasing {
            public Cutout {
                if (size <= 0) {
                    throw new IllegalArgumentException("cutout size must be positive, got " + size);
                }
                checkProbability(probability);
            }
        }

        /**
         * Random erasing (Zhong et al. 2017, torchvision {@code RandomErasing}): with probability
         * {@code probability}, a rectangle of {@code scale} of the area and aspect ratio in {@code ratio}
         * (log-uniform; 10 attempts) is set to {@code value}.
         */
        record RandomErasing(double probability, double minScale, double maxScale, double minRatio, double maxRatio, float value) implements Erasing {
            public RandomErasing {
                checkProbability(probability);
                if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
                    throw new IllegalArgumentException("need 0 < minScale <= maxScale <= 1, got " + minScale + ", " + maxScale);
                }
                if (!(minRatio > 0 && minRatio <= maxRatio && Double.isFinite(maxRatio))) {
                    throw new IllegalArgumentException("need 0 < minRatio <= maxRatio, got " + minRatio + ", " + maxRatio);
                }
                if (!Float.isFinite(value)) {
                    throw new IllegalArgumentException("erasing value must be finite");
                }
            }

            /** torchvision's defaults: p 0.5, scale (0.02, 0.33), ratio (0.3, 3.3), value 0. */
            public static RandomErasing standard() {
                return new RandomErasing(0.5, 0.02, 0.33, 0.3, 3.3, 0f);
            }

            /** The same erasing applied with probability p. */
            public RandomErasing withProbability(double p) {
                return new RandomErasing(p, minScale, maxScale, minRatio, maxRatio, value);
            }
        }
    }

    private static void checkProbability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        }
    }

    /**
     * Per-channel mean and standard deviation of pixels on the [0, 1] scale.
     * The arrays are copied in and out.
     */
    public record Normalization(double[] mean, double[] std) {
        public Normalization {
            if (mean.length == 0 || mean.length != std.length) {
                throw new IllegalArgumentException("mean and std need one value per channel, got " + mean.length + " and " + std.length);
            }
            for (int c = 0; c < mean.length; c++) {
                if (!Double.isFinite(mean[c]) || !(std[c] > 0) || !Double.isFinite(std[c])) {
                    throw new IllegalArgumentException("channel " + c + ": mean must be finite and std positive, got " + mean[c] + ", " + std[c]);
                }
            }
            mean = mean.clone();
            std = std.clone();
        }

        /** Identity on [0, 1]: mean 0, std 1 for each channel. */
        public static Normalization unit(int channels) {
            double[] m = new double[channels];
            double[] s = new double[channels];
            Arrays.fill(s, 1.0);
            return new Normalization(m, s);
        }

        /** Fashion-MNIST training set (computed over the 60,000 images). */
        public static Normalization fashionMnist() {
            return new Normalization(new double[]{0.2860}, new double[]{0.3530});
        }

        /** MNIST training set. */
        public static Normalization mnist() {
            return new Normalization(new double[]{0.1307}, new double[]{0.3081});
        }

        /** CIFAR-10 training set. */
        public static Normalization cifar10() {
            return new Normalization(new double[]{0.4914, 0.4822, 0.4465}, new double[]{0.2470, 0.2435, 0.2616});
        }

        /** CIFAR-100 training set. */
        public static Normalization cifar100() {
            return new Normalization(new double[]{0.5071, 0.4865, 0.4409}, new double[]{0.2673, 0.2564, 0.2762});
        }

        /** ImageNet, as torchvision's pretrained models expect. */
        public static Normalization imagenet() {
            return new Normalization(new double[]{0.485, 0.456, 0.406}, new double[]{0.229, 0.224, 0.225});
        }

        public int channels() {
            return mean.length;
        }

        @Override
        public double[] mean() {
            return mean.clone();
        }

        @Override
        public double[] std() {
            return std.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
        }

        @Override
        public String toString() {
            return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
        }
    }
}
