package io.resnet4j.data;

/**
 * How a {@link DataLoader} batches.
 *
 * @param batchSize examples per batch
 * @param shuffle   a new seeded permutation every epoch (training) or dataset order (evaluation)
 * @param dropLast  drop the last, smaller batch of an epoch
 * @param seed      seeds the shuffle and the augmentation
 * @param workers   background threads that decode and augment (1 is enough for CIFAR-sized nets on 2 cores)
 * @param prefetch  batches prepared ahead of the one the trainer holds (buffers = prefetch + 1)
 */
public record LoaderConfig(int batchSize, boolean shuffle, boolean dropLast, long seed, int workers, int prefetch) {
    public LoaderConfig {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (workers < 1 || workers > 64) {
            throw new IllegalArgumentException("workers must be in 1..64, got " + workers);
        }
        if (prefetch < 1 || prefetch > 64) {
            throw new IllegalArgumentException("prefetch must be in 1..64, got " + prefetch);
        }
    }

    /** Training: shuffled, last partial batch kept, one worker, 3 batches ahead. */
    public static LoaderConfig train(int batchSize, long seed) {
        return new LoaderConfig(batchSize, true, false, seed, 1, 3);
    }

    /** Evaluation: dataset order, every example, one worker, 2 batches ahead. */
    public static LoaderConfig eval(int batchSize) {
        return new LoaderConfig(batchSize, false, false, 0, 1, 2);
    }

    public LoaderConfig withWorkers(int n) {
        return new LoaderConfig(batchSize, shuffle, dropLast, seed, n, prefetch);
    }

    public LoaderConfig withDropLast(boolean drop) {
        return new LoaderConfig(batchSize, shuffle, drop, seed, workers, prefetch);
    }

    public LoaderConfig withPrefetch(int n) {
        return new LoaderConfig(batchSize, shuffle, dropLast, seed, workers, n);
    }
}
