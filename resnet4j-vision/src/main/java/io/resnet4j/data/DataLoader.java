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
 * workers fill up to {@code prefetch} batches ahead. Batch {@code b} lives in slot {@code b % slots}. The steady
 * state allocates no batch memory (only one small generator object per example).
 *
 * <p><b>Errors.</b> An exception in a worker is rethrown by the consumer's {@code next()} when it reaches the
 * failed batch, as a {@link DatasetException} whose cause is the original exception. {@link #close()} stops and
 * joins the workers; the loader cannot be used afterwards. Threads are daemons, so a forgotten close does not
 * keep the JVM alive.
 */
public final class DataLoader implements BatchSource {
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
    private final int[] order;              // permutation of the current epoch
    private final Thread[] workers;

    // Guarded by this.
    private int generation;
    private int epoch = -1;
    private int nextClaim;                  // next batch a worker may take
    private int released;                   // batches below this are no longer held by the consumer
    private final int[] ready;              // [slot]: batch index that is complete in the slot, or -1
    private int busy;                       // workers filling a batch
    private Throwable failure;
    private int failedBatch;
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
        this.ready = new int[slots];
        Arrays.fill(ready, -1);
        this.nextClaim = batches;   // nothing to claim before the first epoch
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
     * (it throws if used again); workers finish the batch they are filling first.
     */
    @Override
    public synchronized Iterator<Batch> epoch(int e) {
        if (e < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + e);
        }
        requireOpen();
        generation++;
        nextClaim = batches;
        notifyAll();
        while (busy > 0) {
            await();
        }
        requireOpen();
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (config.shuffle()) {
            SplittableRandom rng = new SplittableRandom(Seeds.shuffle(config.seed(), e));
            for (int i = order.length - 1; i > 0; i--) {   // Fisher-Yates
                int j = rng.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
        epoch = e;
        nextClaim = 0;
        released = 0;
        Arrays.fill(ready, -1);
        failure = null;
        notifyAll();
        return new EpochIterator(generation, e);
    }

    private final class EpochIterator implements Iterator<Batch> {
        private final int gen;
        private final int ep;
        private int taken;

        EpochIterator(int gen, int ep) {
            this.gen = gen;
            this.ep = ep;
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
                released = taken;   // the batch handed out before is no longer used
                DataLoader.this.notifyAll();
                int slot = taken % slots;
                while (ready[slot] != taken && !(failure != null && failedBatch <= taken) && !closed) {
                    await();
                }
                requireOpen();
                if (ready[slot] != taken) {
                    throw new DatasetException("loading batch " + failedBatch + " of epoch " + ep + " from " + data.name()
                            + " failed: " + failure, failure);
                }
                int b = taken++;
                return b == batches - 1 && lastBatch[slot] != null ? lastBatch[slot] : fullBatch[slot];
            }
        }
    }

    private void work() {
        Augmenter augmenter = new Augmenter(augmentation, data.channels());
        ImageView view = new ImageView();
        while (true) {
            int b;
            int gen;
            int ep;
            synchronized (this) {
                while (!closed && (nextClaim >= batches || nextClaim >= released + slots)) {
                    awaitIgnoringInterrupts();
                }
                if (closed) {
                    return;
                }
                b = nextClaim++;
                gen = generation;
                ep = epoch;
                busy++;
            }
            Throwable error = null;
            try {
                fill(b, ep, augmenter, view);
            } catch (Throwable t) {
                error = t;
            }
            synchronized (this) {
                busy--;
                if (gen == generation) {
                    if (error == null) {
                        ready[b % slots] = b;
                    } else if (failure == null || b < failedBatch) {
                        failure = error;
                        failedBatch = b;
                        nextClaim = batches;   // stop this epoch; batches before b still complete
                    }
                }
                notifyAll();
            }
        }
    }

    /** Decodes and augments batch {@code b} of epoch {@code ep} into its slot. */
    private void fill(int b, int ep, Augmenter augmenter, ImageView view) {
        int slot = b % slots;
        int start = b * config.batchSize();
        int n = Math.min(config.batchSize(), data.size() - start);
        float[] out = b == batches - 1 && lastImages[slot] != null ? lastImages[slot] : images[slot];
        int[] lab = labels[slot];
        for (int j = 0; j < n; j++) {
            int index = order[start + j];
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
