package io.resnet4j.train;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Mini-batches over images and labels held in memory (tests, small data sets, the library API). With
 * {@code shuffle}, epoch e visits the examples in a permutation drawn from (seed, e) only, so a resumed run
 * sees the same batches. The images are not copied; batches are copied into two reused buffers (the full
 * batch size and the last, smaller batch).
 */
public final class TensorBatchSource implements BatchSource {
    private final Tensor images;
    private final int[] labels;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final int count, exampleSize;
    private Tensor full, tail;
    private final int[] fullLabels, tailLabels;

    /**
     * @param images    (N, C, H, W)
     * @param labels    N labels
     * @param batchSize examples per batch
     * @param shuffle   whether each epoch visits the examples in a seeded random order (else in order)
     * @param seed      the shuffle's seed
     * @param dropLast  whether to drop the last batch when it is smaller than batchSize
     */
    public TensorBatchSource(Tensor images, int[] labels, int batchSize, boolean shuffle, long seed, boolean dropLast) {
        Shape s = images.shape();
        if (s.rank() != 4) {
            throw new IllegalArgumentException("images must be (N, C, H, W), got " + s);
        }
        if (labels.length != s.n()) {
            throw new IllegalArgumentException(s.n() + " images but " + labels.length + " labels");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (s.n() == 0 || (dropLast && s.n() < batchSize)) {
            throw new IllegalArgumentException(s.n() + " examples give no batch of " + batchSize + (dropLast ? " (drop-last)" : ""));
        }
        this.images = images;
        this.labels = labels;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
        this.count = s.n();
        this.exampleSize = s.c() * s.h() * s.w();
        int rest = count % batchSize;
        this.fullLabels = new int[batchSize];
        this.tailLabels = new int[rest == 0 || dropLast ? 0 : rest];
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int batchesPerEpoch() {
        return dropLast ? count / batchSize : (count + batchSize - 1) / batchSize;
    }

    /** The order of epoch {@code epoch}: identity without shuffle, else a Fisher-Yates permutation of (seed, epoch). */
    public int[] order(int epoch) {
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) {
            idx[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1L)));
            for (int i = count - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        return idx;
    }

    @Override
    public Iterator<Batch> epoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        int[] idx = order(epoch);
        int batches = batchesPerEpoch();
        return new Iterator<>() {
            private int b;

            @Override
            public boolean hasNext() {
                return b < batches;
            }

            @Override
            public Batch next() {
                if (b >= batches) {
                    throw new NoSuchElementException("epoch has " + batches + " batches");
                }
                int start = b * batchSize;
                int n = Math.min(batchSize, count - start);
                Tensor x;
                int[] y;
                Shape s = images.shape();
                if (n == batchSize) {
                    full = full != null ? full : new Tensor(Shape.of(batchSize, s.c(), s.h(), s.w()));
                    x = full;
                    y = fullLabels;
                } else {
                    tail = tail != null ? tail : new Tensor(Shape.of(n, s.c(), s.h(), s.w()));
                    x = tail;
                    y = tailLabels;
                }
                for (int i = 0; i < n; i++) {
                    int src = idx[start + i];
                    System.arraycopy(images.data(), src * exampleSize, x.data(), i * exampleSize, exampleSize);
                    y[i] = labels[src];
                }
                b++;
                return new Batch(x, y, n);
            }
        };
    }
}
