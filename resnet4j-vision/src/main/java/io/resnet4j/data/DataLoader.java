package io.resnet4j.data;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.train.Batch;
import io.resnet4j.train.BatchSource;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A {@link BatchSource} that decodes and augments in background threads into a ring of reusable batch buffers.
 *
 * <p><b>Order and content.</b> Epoch {@code e} visits the examples in a permutation seeded by (seed, e) (or in
 * dataset order without shuffle); example {@code i}'s augmentation is drawn from a generator seeded by
 * (seed, e, i). Batch {@code b} therefore has the same content whatever the number of workers, the prefetch
 * depth or the thread timing, and a resumed run sees the same batches as an uninterrupted one.
 *
 * <p><b>Buffers.</b> {@code prefetch + 1} slots, each one float array of a full batch and its labels, allocated
 * once; the trainer holds one slot (the batch returned last, valid until the next call of {@code next()}) while
 * workers fill up to {@code prefetch} batches ahead. The steady state allocates no batch memory (only one small
 * generator object per example).
 *
 * <p><b>Across epochs.</b> Batches are numbered by one running position over all epochs, and position
 * {@code p} lives in slot {@code p % slots}. Once the workers have claimed every batch of an epoch they go on
 * with the first batches of the epoch they expect next, so the trainer does not wait for a cold start after its
 * evaluation: the epoch after {@code e} is expected to be {@code e + 1}, or {@code e} again when the two epochs
 * started last were the same (an evaluation loader that runs epoch 0 every time). Starting the expected epoch
 * after the previous one was read to its end keeps those batches; any other start discards what was prepared
 * and begins at its first batch.
 *
 * <p><b>Errors.</b> An exception in a worker is rethrown by the consumer's {@code next()} when it reaches the
 * failed batch, as a {@link DatasetException} whose cause is the original exception. {@link #close()} stops and
 * joins the workers; the loader cannot be used afterwards. Threads are daemons, so a forgotten close does not
 * keep the JVM alive.
 */
public final class DataLoader implements BatchSource {
    private static final int NONE = -1;

    private final Dataset data;
    private final LoaderConfig config;
    private final Augmentation augmentation;
    private final int exampleSize;          // C * H * W floats
    private final int batches;
    private final int lastSize;             // size of the last batch of an epoch
    private final int slots;
    private final float[][] images;         // [slot]: (batchSize, C, H, W)
    private final float[][] lastImages;     // [slot]: (lastSize, C, H, W) when the last batch is smaller, else null
    private final int[][] labels;           // [slot]: (batchSize)
    private final Batch[] fullBatch;        // [slot]
    private final Batch[] lastBatch;        // [slot], the partial last batch (same arrays) or null
    private final Thread[] workers;

    // Guarded by this. Positions count batches over all epochs since construction.
    private int generation;                 // epochs started; an iterator of an older generation is abandoned
    private int resets;                     // discards of prepared batches; results of an older one are dropped
    private int epoch = NONE;               // the epoch being read
    private int expected = NONE;            // the epoch expected next, whose first batches workers may prepare
    private int[] order;                    // permutation of the epoch being read
    private int[] expectedOrder;            // permutation of the expected epoch
    private long base;                      // position of the first batch of the epoch being read
    private long nextClaim;                 // next position a worker may take
    private long nextTake;                  // next position the consumer takes
    private long released;                  // positions below this are no longer held by the consumer
    private final long[] ready;             // [slot]: position that is complete in the slot, or -1
    private int busy;                       // workers filling a batch
    private Throwable failure;
    private long failedAt;
    private boolean closed;

    public DataLoader(Dataset data, Augmentation augmentation, LoaderConfig config) {
        this.data = data;
        this.config = config;
        this.augmentation = augmentation;
        new Augmenter(augmentation, data.channels());   // validates the normalisation against the channels
        if (data.height() > 0 && augmentation.crop() instanceof Augmentation.Crop.None
                && (data.height() != augmentation.height() || data.width() != augmentation.width())) {
            throw new IllegalArgumentException(data.name() + " has " + data.height() + "x" + data.width() + " images but the output is "
                    + augmentation.height() + "x" + augmentation.width() + " without a crop or resize");
        }
        int n = data.size();
        int b = config.batchSize();
        this.batches = config.dropLast() ? n / b : (n + b - 1) / b;
        this.lastSize = config.dropLast() || n % b == 0 ? b : n % b;
        this.exampleSize = data.channels() * augmentation.height() * augmentation.width();
        this.slots = config.prefetch() + 1;
        this.images = new float[slots][Math.multiplyExact(b, exampleSize)];
        this.labels = new int[slots][b];
        this.lastImages = new float[slots][];
        this.fullBatch = new Batch[slots];
        this.lastBatch = new Batch[slots];
        for (int s = 0; s < slots; s++) {
            fullBatch[s] = new Batch(Tensor.wrap(Shape.of(b, data.channels(), augmentation.height(), augmentation.width()), images[s]), labels[s], b);
            if (lastSize != b) {
                // A Tensor owns its whole array, so the smaller last batch gets arrays of its own.
                lastImages[s] = new float[lastSize * exampleSize];
                lastBatch[s] = new Batch(Tensor.wrap(Shape.of(lastSize, data.channels(), augmentation.height(), augmentation.width()), lastImages[s]), labels[s], lastSize);
            }
        }
        this.order = new int[n];
        this.expectedOrder = new int[n];
        this.ready = new long[slots];
        Arrays.fill(ready, -1);
        this.workers = new Thread[config.workers()];
        for (int w = 0; w < workers.length; w++) {
            Thread t = new Thread(this::work, "resnet4j-loader-" + data.name() + "-" + w);
            t.setDaemon(true);
            workers[w] = t;
            t.start();
        }
    }

    @Override
    public int size() {
        return config.dropLast() ? batches * config.batchSize() : data.size();
    }

    @Override
    public int batchesPerEpoch() {
        return batches;
    }

    public Dataset dataset() {
        return data;
    }

    public LoaderConfig config() {
        return config;
    }

    public Augmentation augmentation() {
        return augmentation;
    }

    /**
     * Starts epoch {@code e} and returns its batches. Starting an epoch abandons the previous epoch's iterator
     * (it throws if used again); the batch it returned last stays valid until the new iterator's first
     * {@code next()}.
     */
    @Override
    public synchronized Iterator<Batch> epoch(int e) {
        if (e < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + e);
        }
        requireOpen();
        generation++;
        if (e == expected && nextTake == base + batches) {
            // Every batch of the last epoch was taken, so no worker reads its order any more.
            int[] spare = order;
            order = expectedOrder;
            expectedOrder = spare;
            base += batches;
        } else {
            resets++;
            nextClaim = Long.MAX_VALUE;   // no new claims while the batches in flight finish
            while (busy > 0) {
                await();
            }
            requireOpen();
            permutation(e, order);
            base = nextTake;
            nextClaim = nextTake;
            Arrays.fill(ready, -1);
            failure = null;
        }
        expected = epoch == e ? e : e + 1;   // the same epoch twice in a row: an evaluation loader
        epoch = e;
        permutation(expected, expectedOrder);
        notifyAll();
        return new EpochIterator(generation, e, base);
    }

    /** Fills {@code into} with the visiting order of epoch {@code e}. */
    private void permutation(int e, int[] into) {
        for (int i = 0; i < into.length; i++) {
            into[i] = i;
        }
        if (config.shuffle()) {
            SplittableRandom rng = new SplittableRandom(Seeds.shuffle(config.seed(), e));
            for (int i = into.length - 1; i > 0; i--) {   // Fisher-Yates
                int j = rng.nextInt(i + 1);
                int tmp = into[i];
                into[i] = into[j];
                into[j] = tmp;
            }
        }
    }

    private final class EpochIterator implements Iterator<Batch> {
        private final int gen;
        private final int ep;
        private final long first;           // position of batch 0
        private int taken;

        EpochIterator(int gen, int ep, long first) {
            this.gen = gen;
            this.ep = ep;
            this.first = first;
        }

        @Override
        public boolean hasNext() {
            return taken < batches;
        }

        @Override
        public Batch next() {
            synchronized (DataLoader.this) {
                requireOpen();
                if (gen != generation) {
                    throw new IllegalStateException("epoch " + ep + " was abandoned: another epoch was started on this loader");
                }
                if (taken >= batches) {
                    throw new NoSuchElementException("epoch " + ep + " has " + batches + " batches");
                }
                long p = first + taken;
                released = p;   // the batch handed out before is no longer used
                DataLoader.this.notifyAll();
                int slot = (int) (p % slots);
                while (ready[slot] != p && !(failure != null && failedAt <= p) && !closed) {
                    await();
                }
                requireOpen();
                if (ready[slot] != p) {
                    throw new DatasetException("loading batch " + (failedAt - first) + " of epoch " + ep + " from "
                            + data.name() + " failed: " + (failure.getMessage() != null ? failure.getMessage()
                            : failure.getClass().getSimpleName()), failure);
                }
                nextTake = p + 1;
                int b = taken++;
                return b == batches - 1 && lastBatch[slot] != null ? lastBatch[slot] : fullBatch[slot];
            }
        }
    }

    private void work() {
        Augmenter augmenter = new Augmenter(augmentation, data.channels());
        ImageView view = new ImageView();
        while (true) {
            long p;
            int reset;
            int ep;
            int b;
            int[] visit;
            synchronized (this) {
                while (!closed && !claimable()) {
                    awaitIgnoringInterrupts();
                }
                if (closed) {
                    return;
                }
                p = nextClaim++;
                reset = resets;
                boolean current = p < base + batches;
                ep = current ? epoch : expected;
                b = (int) (current ? p - base : p - base - batches);
                visit = current ? order : expectedOrder;
                busy++;
            }
            Throwable error = null;
            try {
                fill((int) (p % slots), b, ep, visit, augmenter, view);
            } catch (Throwable t) {
                error = t;
            }
            synchronized (this) {
                busy--;
                if (reset == resets) {
                    if (error == null) {
                        ready[(int) (p % slots)] = p;
                    } else if (failure == null || p < failedAt) {
                        failure = error;   // no further claims; batches before p still complete
                        failedAt = p;
                    }
                }
                notifyAll();
            }
        }
    }

    /** A free slot, a batch of the epoch being read or of the first of the expected one, and no failure. */
    private boolean claimable() {
        return epoch != NONE && failure == null && nextClaim < released + slots && nextClaim < base + 2L * batches;
    }

    /** Decodes and augments batch {@code b} of epoch {@code ep}, visited in order {@code visit}, into a slot. */
    private void fill(int slot, int b, int ep, int[] visit, Augmenter augmenter, ImageView view) {
        int start = b * config.batchSize();
        int n = Math.min(config.batchSize(), data.size() - start);
        float[] out = b == batches - 1 && lastImages[slot] != null ? lastImages[slot] : images[slot];
        int[] lab = labels[slot];
        for (int j = 0; j < n; j++) {
            int index = visit[start + j];
            data.read(index, view);
            augmenter.apply(view, Augmenter.random(config.seed(), ep, index), out, j * exampleSize);
            lab[j] = data.label(index);
        }
    }

    /** Stops the workers and waits for them (each finishes the example batch it is filling). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        boolean interrupted = false;
        for (Thread t : workers) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** True when every worker thread has ended (after {@link #close()}). */
    public boolean stopped() {
        for (Thread t : workers) {
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the data loader for " + data.name() + " is closed");
        }
    }

    // Workers stop on the closed flag alone; an interrupt is not a way to stop them.
    private void awaitIgnoringInterrupts() {
        try {
            wait();
        } catch (InterruptedException e) {
            // fall through: the caller re-checks the flags
        }
    }

    // The consumer's wait: an interrupted trainer thread gets an exception (with the interrupt flag kept).
    private void await() {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the data loader of " + data.name(), e);
        }
    }

    @Override
    public String toString() {
        return "DataLoader[" + data.name() + ", " + batches + " batches of " + config.batchSize() + ", " + config.workers() + " worker(s)]";
    }
}
