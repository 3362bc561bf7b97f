package io.resnet4j.cli;

import io.resnet4j.data.Dataset;
import io.resnet4j.data.ImageView;
import java.util.List;
import java.util.SplittableRandom;

/** A seeded random selection of a dataset's examples (for the short default budget and --train-limit). */
final class SubsetDataset implements Dataset {
    private final Dataset base;
    private final int[] indices;

    private SubsetDataset(Dataset base, int[] indices) {
        this.base = base;
        this.indices = indices;
    }

    /** {@code n} examples of {@code base} drawn without replacement by a seeded shuffle; {@code base} if n >= size. */
    static Dataset of(Dataset base, int n, long seed) {
        if (n >= base.size()) {
            return base;
        }
        int[] all = new int[base.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = all.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] pick = java.util.Arrays.copyOf(all, n);
        java.util.Arrays.sort(pick);
        return new SubsetDataset(base, pick);
    }

    @Override
    public String name() {
        return base.name() + "[" + indices.length + " of " + base.size() + "]";
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public int channels() {
        return base.channels();
    }

    @Override
    public int height() {
        return base.height();
    }

    @Override
    public int width() {
        return base.width();
    }

    @Override
    public List<String> classNames() {
        return base.classNames();
    }

    @Override
    public int label(int i) {
        return base.label(indices[i]);
    }

    @Override
    public void read(int i, ImageView view) {
        base.read(indices[i], view);
    }
}
