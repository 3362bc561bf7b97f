package io.resnet4j.experiment;

import io.resnet4j.data.ArrayDataset;
import io.resnet4j.data.Augmentation.Normalization;

import java.util.Arrays;
import java.util.Objects;

/**
 * The data of an experiment: training and test images in memory and their normalisation.
 *
 * @param id            a short name recorded with the results, e.g. {@code fashion-mnist}
 * @param train         training images
 * @param test          test images (the evaluation set of the test error and of the response deviations)
 * @param normalization per-channel mean and std applied to every image
 */
public record ExperimentData(String id, ArrayDataset train, ArrayDataset test, Normalization normalization) {
    public ExperimentData {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        Objects.requireNonNull(normalization, "normalization");
        if (train.channels() != test.channels() || train.height() != test.height() || train.width() != test.width()) {
            throw new IllegalArgumentException("training images are " + train.channels() + "x" + train.height() + "x"
                    + train.width() + " but test images " + test.channels() + "x" + test.height() + "x" + test.width());
        }
        if (!train.classNames().equals(test.classNames())) {
            throw new IllegalArgumentException("training and test sets have different classes");
        }
        if (normalization.channels() != train.channels()) {
            throw new IllegalArgumentException("normalisation for " + normalization.channels() + " channels, images have "
                    + train.channels());
        }
    }

    public int numClasses() {
        return train.classNames().size();
    }

    /** The data the configuration asks for: class-balanced subsets when {@code trainSubset}/{@code testSubset} > 0. */
    public ExperimentData select(int trainSubset, int testSubset) {
        return new ExperimentData(id, balanced(train, trainSubset), balanced(test, testSubset), normalization);
    }

    /**
     * The first {@code n} examples in file order with (as far as the data allow) the same number per class: class
     * c gets n / classes, the first n % classes classes one more; a class with too few examples leaves its share to
     * the next examples in file order. {@code n} = 0 or at least the dataset's size: the dataset itself.
     */
    public static ArrayDataset balanced(ArrayDataset data, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("subset size must be >= 0, got " + n);
        }
        if (n == 0 || n >= data.size()) {
            return data;
        }
        int k = data.classNames().size();
        int[] quota = new int[k];
        for (int c = 0; c < k; c++) {
            quota[c] = n / k + (c < n % k ? 1 : 0);
        }
        int[] labels = data.labels();
        boolean[] taken = new boolean[labels.length];
        int count = 0;
        for (int i = 0; i < labels.length && count < n; i++) {
            if (quota[labels[i]] > 0) {
                quota[labels[i]]--;
                taken[i] = true;
                count++;
            }
        }
        for (int i = 0; i < labels.length && count < n; i++) {
            if (!taken[i]) {
                taken[i] = true;
                count++;
            }
        }
        int[] idx = new int[n];
        int j = 0;
        for (int i = 0; i < labels.length; i++) {
            if (taken[i]) {
                idx[j++] = i;
            }
        }
        return data.subset(data.name() + "[" + n + "]", Arrays.copyOf(idx, j));
    }

    /** The first {@code n} examples (all when fewer), in file order. */
    static ArrayDataset head(ArrayDataset data, int n) {
        if (n >= data.size()) {
            return data;
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return data.subset(data.name() + "[:" + n + "]", idx);
    }
}
