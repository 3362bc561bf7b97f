package io.resnet4j.cli.input;

import java.util.Arrays;

/**
 * How an image becomes a network input, as torchvision's {@code Resize(resize) -> CenterCrop(crop) -> ToTensor ->
 * Normalize(mean, std)}: the shorter side is scaled to {@code resize} pixels, the centre {@code crop x crop} is
 * kept, values are scaled to [0, 1] and normalised per channel. {@code channels} is 1 (grey) or 3 (RGB).
 */
public record Preprocess(int channels, int resize, int crop, float[] mean, float[] std) {
    /** torchvision's ImageNet evaluation transform. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    public Preprocess {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images have 1 (grey) or 3 (RGB) channels, the model takes " + channels
                    + "; give a .npy array instead");
        }
        if (crop < 1 || resize < crop) {
            throw new IllegalArgumentException("resize " + resize + " must be at least the crop " + crop + " (>= 1)");
        }
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need " + channels + " values, got " + mean.length
                    + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be positive, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * ImageNet defaults for a {@code size x size} input: resize to size * 256/224 then crop (224 -> 256, 224),
     * with the ImageNet mean and std (their average for one channel).
     */
    public static Preprocess imagenet(int channels, int size) {
        int resize = (int) Math.floor(size * 256.0 / 224.0);
        if (channels == 1) {
            return new Preprocess(1, resize, size, new float[] {0.449f}, new float[] {0.226f});
        }
        return new Preprocess(channels, resize, size, IMAGENET_MEAN, IMAGENET_STD);
    }

    @Override
    public String toString() {
        return "resize " + resize + ", centre crop " + crop + ", mean " + Arrays.toString(mean) + ", std "
                + Arrays.toString(std);
    }
}
