package io.resnet4j.data;

import io.resnet4j.data.Augmentation.Normalization;
import io.resnet4j.train.Batch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataLoaderTest {
    /** n 1x2x2 images whose first pixel encodes the index (i mod 256) and label = i mod 10. */
    static ArrayDataset indexed(int n) {
        byte[] px = new byte[n * 4];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            px[i * 4] = (byte) i;
            px[i * 4 + 1] = (byte) (i >> 8);
            labels[i] = i % 10;
        }
        return new ArrayDataset("indexed", px, labels, 1, 2, 2, DatasetSpec.MNIST.classNames());
    }

    static final Augmentation RAW = new Augmentation(2, 2, new Augmentation.Crop.None(), false,
            new Normalization(new double[]{0}, new double[]{1 / 255.0}), new Augmentation.Erasing.None());   // outputs the byte values

    /** The example indices of one epoch, batch by batch. */
    static List<int[]> epochIndices(DataLoader loader, int epoch) {
        List<int[]> out = new ArrayList<>();
        Iterator<Batch> it = loader.epoch(epoch);
        while (it.hasNext()) {
            Batch b = it.next();
            int[] idx = new int[b.size()];
            float[] d = b.images().data();
            for (int j = 0; j < b.size(); j++) {
                idx[j] = Math.round(d[j * 4]) + 256 * Math.round(d[j * 4 + 1]);
                assertThat(b.labels()[j]).isEqualTo(idx[j] % 10);
            }
            out.add(idx);
        }
        return out;
    }

    static int[] flat(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void everyExampleExactlyOncePerEpochAndTheOrderDependsOnlyOnSeedAndEpoch() {
        ArrayDataset data = indexed(1000);
        try (DataLoader one = new DataLoader(data, RAW, LoaderConfig.train(64, 42));
             DataLoader three = new DataLoader(data, RAW, LoaderConfig.train(64, 42).withWorkers(3).withPrefetch(2))) {
            assertThat(one.batchesPerEpoch()).isEqualTo(16);
            assertThat(one.size()).isEqualTo(1000);
            int[] e0 = flat(epochIndices(one, 0));
            int[] e1 = flat(epochIndices(one, 1));
            assertThat(e0).hasSize(1000);
            assertThat(Arrays.stream(e0).sorted().toArray()).isEqualTo(java.util.stream.IntStream.range(0, 1000).toArray());
            assertThat(Arrays.stream(e1).sorted().toArray()).isEqualTo(java.util.stream.IntStream.range(0, 1000).toArray());
            assertThat(e1).isNotEqualTo(e0);
            assertThat(flat(epochIndices(one, 0))).isEqualTo(e0);   // epoch 0 again, after epoch 1: same order
            assertThat(flat(epochIndices(three, 1))).isEqualTo(e1); // other worker count and prefetch: same order
            assertThat(flat(epochIndices(three, 0))).isEqualTo(e0);
        }
        try (DataLoader other = new DataLoader(data, RAW, LoaderConfig.train(64, 43))) {
            assertThat(flat(epochIndices(other, 0))).isNotEqualTo(flat(epochIndicesFresh(data, 42, 0)));
        }
    }

    private static List<int[]> epochIndicesFresh(ArrayDataset data, long seed, int epoch) {
        return epochIndicesFresh(data, LoaderConfig.train(64, seed), epoch);
    }

    /** The batches of {@code epoch} from a new loader, whose first start is that epoch. */
    private static List<int[]> epochIndicesFresh(ArrayDataset data, LoaderConfig config, int epoch) {
        try (DataLoader l = new DataLoader(data, RAW, config)) {
            return epochIndices(l, epoch);
        }
    }

    @Test
    void augmentedBatchesAreIdenticalAcrossWorkerCountsAndBatchSizes() {
        ArrayDataset data = TestData.random(300, 3, 8, 8, 11);
        Augmentation aug = Augmentation.padCropFlip(8, 2, Normalization.cifar10())
                .withErasing(new Augmentation.Erasing.Cutout(3, 0.5));
        float[] a = concat(data, aug, new LoaderConfig(32, true, false, 9, 1, 1), 2);
        float[] b = concat(data, aug, new LoaderConfig(32, true, false, 9, 2, 4), 2);
        float[] c = concat(data, aug, new LoaderConfig(32, true, false, 9, 2, 4), 3);
        assertThat(b).isEqualTo(a);
        assertThat(c).isNotEqualTo(a);
        // Per-example augmentation does not depend on the batch size: compare unshuffled with batch 7 and 50.
        float[] d = concat(data, aug, new LoaderConfig(7, false, false, 9, 1, 2), 2);
        float[] e = concat(data, aug, new LoaderConfig(50, false, false, 9, 2, 2), 2);
        assertThat(e).isEqualTo(d);
    }

    private static float[] concat(ArrayDataset data, Augmentation aug, LoaderConfig cfg, int epoch) {
        try (DataLoader loader = new DataLoader(data, aug, cfg)) {
            float[] all = new float[data.size() * 3 * 64];
            int pos = 0;
            for (Iterator<Batch> it = loader.epoch(epoch); it.hasNext(); ) {
                Batch b = it.next();
                System.arraycopy(b.images().data(), 0, all, pos, b.size() * 3 * 64);
                pos += b.size() * 3 * 64;
            }
            assertThat(pos).isEqualTo(all.length);
            return all;
        }
    }

    @Test
    void lastBatchIsSmallerOrDropped() {
        ArrayDataset data = indexed(10);
        try (DataLoader keep = new DataLoader(data, RAW, LoaderConfig.eval(4));
             DataLoader drop = new DataLoader(data, RAW, LoaderConfig.eval(4).withDropLast(true))) {
            List<int[]> k = epochIndices(keep, 0);
            assertThat(k).hasSize(3);
            assertThat(k.get(2)).containsExactly(8, 9);
            assertThat(keep.batchesPerEpoch()).isEqualTo(3);
            List<int[]> d = epochIndices(drop, 0);
            assertThat(d).hasSize(2);
            assertThat(flat(d)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
            assertThat(drop.size()).isEqualTo(8);
            Iterator<Batch> it = keep.epoch(1);
            it.next();
            it.next();
            Batch last = it.next();
            assertThat(last.size()).isEqualTo(2);
            assertThat(last.images().shape().n()).isEqualTo(2);
            assertThat(it.hasNext()).isFalse();
        }
    }

    @Test
    void buffersAreReusedAcrossBatchesAndEpochs() {
        ArrayDataset data = indexed(100);
        try (DataLoader loader = new DataLoader(data, RAW, LoaderConfig.train(10, 1).withPrefetch(2))) {
            java.util.Set<float[]> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (int e = 0; e < 3; e++) {
                for (Iterator<Batch> it = loader.epoch(e); it.hasNext(); ) {
                    arrays.add(it.next().images().data());
                }
            }
            assertThat(arrays).hasSize(3);   // prefetch + 1 slots
        }
    }

    @Test
    void aWorkerExceptionSurfacesInTheConsumerWithItsCause() {
        ArrayDataset good = indexed(100);
        Dataset failing = new ForwardingDataset(good) {
            @Override
            public void read(int i, ImageView view) {
                if (i == 57) {
                    throw new DatasetException("cannot decode image /data/57.png");
                }
                super.read(i, view);
            }
        };
        try (DataLoader loader = new DataLoader(failing, RAW, LoaderConfig.eval(10))) {
            Iterator<Batch> it = loader.epoch(0);
            for (int b = 0; b < 5; b++) {
                assertThat(it.next().labels()[0]).isEqualTo(0);   // batches before the failure arrive intact
            }
            assertThatThrownBy(it::next)
                    .isInstanceOf(DatasetException.class)
                    .hasMessageContaining("batch 5 of epoch 0")
                    .hasMessageEndingWith("failed: cannot decode image /data/57.png")
                    .cause().isInstanceOf(DatasetException.class).hasMessage("cannot decode image /data/57.png");
            // A new epoch starts clean and fails at the same place again.
            Iterator<Batch> again = loader.epoch(1);
            for (int b = 0; b < 5; b++) {
                again.next();
            }
            assertThatThrownBy(again::next).isInstanceOf(DatasetException.class);
        }
    }

    @Test
    void closeStopsTheThreadsAndAbandonedEpochsAreRejected() throws Exception {
        ArrayDataset data = indexed(5000);
        DataLoader loader = new DataLoader(data, RAW, LoaderConfig.train(8, 3).withWorkers(2));
        Iterator<Batch> first = loader.epoch(0);
        first.next();
        Iterator<Batch> second = loader.epoch(1);   // abandons epoch 0 with workers mid-way
        assertThatThrownBy(first::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("abandoned");
        second.next();
        assertThat(loader.stopped()).isFalse();
        loader.close();
        assertThat(loader.stopped()).isTrue();
        assertThatThrownBy(second::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> loader.epoch(2)).isInstanceOf(IllegalStateException.class);
        loader.close();   // idempotent
        long leftovers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("resnet4j-loader-indexed")).filter(Thread::isAlive).count();
        assertThat(leftovers).isZero();
    }

    @Test
    void theExpectedEpochIsPreparedBeforeItStartsAndMatchesAColdStart() throws Exception {
        ArrayDataset data = indexed(100);
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        Dataset counting = counting(data, reads);
        LoaderConfig cfg = LoaderConfig.train(8, 5).withPrefetch(3);   // 13 batches, the last of 4
        try (DataLoader loader = new DataLoader(counting, RAW, cfg)) {
            assertThat(epochIndices(loader, 0)).hasSize(13);
            // The consumer holds epoch 0's last batch; the 3 free slots take epoch 1's first 3 batches.
            awaitReads(reads, 100 + 3 * 8);
            for (int e = 1; e <= 3; e++) {
                assertThat(epochIndices(loader, e)).usingRecursiveComparison()
                        .isEqualTo(epochIndicesFresh(data, cfg, e));
            }
            awaitReads(reads, 4 * 100 + 3 * 8);
            Thread.sleep(50);
            assertThat(reads.get()).as("workers stop at the free slots").isEqualTo(4 * 100 + 3 * 8);
            // Not the expected epoch (4): what was prepared is discarded, and epoch 7 comes out as from a cold start.
            assertThat(epochIndices(loader, 7)).usingRecursiveComparison().isEqualTo(epochIndicesFresh(data, cfg, 7));
        }
    }

    @Test
    void anEvaluationLoaderThatRepeatsEpochZeroGetsItPrepared() throws Exception {
        ArrayDataset data = indexed(30);
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        Dataset counting = counting(data, reads);
        try (DataLoader loader = new DataLoader(counting, RAW, LoaderConfig.eval(4))) {   // 8 batches, prefetch 2
            List<int[]> first = epochIndices(loader, 0);
            awaitReads(reads, 30 + 2 * 4);   // epoch 1 expected after the first start
            assertThat(epochIndices(loader, 0)).usingRecursiveComparison().isEqualTo(first);
            awaitReads(reads, 30 + 2 * 4 + 30 + 2 * 4);   // now epoch 0 is expected again
            int before = reads.get();
            assertThat(epochIndices(loader, 0)).usingRecursiveComparison().isEqualTo(first);
            awaitReads(reads, before + 30);
            Thread.sleep(50);
            assertThat(reads.get()).as("the 8 prepared examples were kept, not read again").isEqualTo(before + 30);
        }
    }

    @Test
    void startingTheExpectedEpochBeforeTheLastOneEndedStartsCold() {
        ArrayDataset data = indexed(100);
        LoaderConfig cfg = LoaderConfig.train(8, 5).withPrefetch(2);
        try (DataLoader loader = new DataLoader(data, RAW, cfg)) {
            Iterator<Batch> it = loader.epoch(0);
            for (int b = 0; b < 12; b++) {   // all but the last batch
                it.next();
            }
            assertThat(epochIndices(loader, 1)).usingRecursiveComparison().isEqualTo(epochIndicesFresh(data, cfg, 1));
            assertThatThrownBy(it::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("abandoned");
        }
    }

    @Test
    void aFailureInThePreparedBatchesOfTheNextEpochSurfacesWhenItIsReached() {
        ArrayDataset good = indexed(40);
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        Dataset failing = new ForwardingDataset(good) {
            @Override
            public void read(int i, ImageView view) {
                if (reads.incrementAndGet() > 40 && i == 3) {   // only after epoch 0 was read
                    throw new DatasetException("cannot decode image /data/3.png");
                }
                super.read(i, view);
            }
        };
        try (DataLoader loader = new DataLoader(failing, RAW, LoaderConfig.eval(10))) {
            assertThat(epochIndices(loader, 0)).hasSize(4);   // then epoch 1's first batch is prepared, and fails
            Iterator<Batch> it = loader.epoch(1);
            assertThatThrownBy(it::next).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("batch 0 of epoch 1").hasMessageContaining("3.png");
        }
    }

    /** data, counting its reads in {@code reads}. */
    private static Dataset counting(Dataset data, java.util.concurrent.atomic.AtomicInteger reads) {
        return new ForwardingDataset(data) {
            @Override
            public void read(int i, ImageView view) {
                reads.incrementAndGet();
                super.read(i, view);
            }
        };
    }

    /** Waits up to 10 s until the dataset has been read {@code n} times. */
    private static void awaitReads(java.util.concurrent.atomic.AtomicInteger reads, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (reads.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(reads.get()).isEqualTo(n);
    }

    @Test
    void constructionRejectsMismatchedShapes() {
        ArrayDataset data = indexed(10);
        assertThatThrownBy(() -> new DataLoader(data, Augmentation.normalizeOnly(3, 3, Normalization.unit(1)), LoaderConfig.eval(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2x2");
        assertThatThrownBy(() -> new DataLoader(data, Augmentation.normalizeOnly(2, 2, Normalization.cifar10()), LoaderConfig.eval(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channel");
        assertThatThrownBy(() -> new LoaderConfig(0, true, false, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoaderConfig(8, true, false, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Delegates to another dataset; tests override single methods. */
    static class ForwardingDataset implements Dataset {
        private final Dataset d;

        ForwardingDataset(Dataset d) {
            this.d = d;
        }

        @Override
        public String name() {
            return d.name();
        }

        @Override
        public int size() {
            return d.size();
        }

        @Override
        public int channels() {
            return d.channels();
        }

        @Override
        public int height() {
            return d.height();
        }

        @Override
        public int width() {
            return d.width();
        }

        @Override
        public List<String> classNames() {
            return d.classNames();
        }

        @Override
        public int label(int i) {
            return d.label(i);
        }

        @Override
        public void read(int i, ImageView view) {
            d.read(i, view);
        }
    }
}
