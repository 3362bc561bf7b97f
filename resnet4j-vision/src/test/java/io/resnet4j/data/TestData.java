package io.resnet4j.data;

import java.util.SplittableRandom;

/** In-memory datasets for tests. */
final class TestData {
    private TestData() {
    }

    /** n random C x H x W images with random labels in 0..9. */
    static ArrayDataset random(int n, int c, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] px = new byte[n * c * h * w];
        for (int k = 0; k < px.length; k++) {
            px[k] = (byte) r.nextInt(256);
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(10);
        }
        return new ArrayDataset("random", px, labels, c, h, w, DatasetSpec.MNIST.classNames());
    }
}
