package io.resnet4j.bench;

import io.resnet4j.data.ArrayDataset;
import io.resnet4j.data.Augmentation;
import io.resnet4j.data.Augmenter;
import io.resnet4j.data.DataConfig;
import io.resnet4j.data.DataLoader;
import io.resnet4j.data.Dataset;
import io.resnet4j.data.DatasetSpec;
import io.resnet4j.data.Datasets;
import io.resnet4j.data.ImageFolderDataset;
import io.resnet4j.data.ImageView;
import io.resnet4j.data.LoaderConfig;
import io.resnet4j.data.Split;
import io.resnet4j.train.Batch;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Data-loader throughput: how many augmented images per second the {@link DataLoader} delivers when the consumer
 * takes batches as fast as it can, on Fashion-MNIST (1x28x28, from Debian's dataset-fashion-mnist) and on
 * CIFAR-shaped data (3x32x32, synthetic random pixels: the cost does not depend on the pixel values). Compare
 * with training throughput (ResNet-20 trains at roughly 600-1000 img/s on 2 cores): a loader many times faster
 * than that costs the trainer a small fraction of one core and never makes it wait.
 *
 * <p>With {@code --folder DIR}, only an image folder (DIR holds one directory of images per class): decoded from
 * its files, then cropped and resized to 32x32 by ImageNet's training augmentation, as {@code train} does for a
 * CIFAR-style model on image folders; {@code tools/bench/make_image_folder.py} writes one of photo-sized JPEGs.
 *
 * <pre>
 * mvn -B -q compile -pl resnet4j-bench -am
 * java -cp resnet4j-bench/target/classes:resnet4j-vision/target/classes:resnet4j-engine/target/classes \
 *     io.resnet4j.bench.LoaderBench [epochs] [--folder DIR]
 * </pre>
 */
public final class LoaderBench {
    private LoaderBench() {
    }

    public static void main(String[] args) {
        int epochs = 3;
        Path folder = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--folder") && i + 1 < args.length) {
                folder = Path.of(args[++i]);
            } else if (args[i].matches("[1-9][0-9]{0,5}")) {
                epochs = Integer.parseInt(args[i]);
            } else {
                throw new IllegalArgumentException("unexpected argument " + args[i]
                        + "; usage: LoaderBench [epochs] [--folder DIR]");
            }
        }
        System.out.printf("LoaderBench: JDK %s, %s, %d cores, batch 128, %d timed epochs after 1 warm-up%n",
                System.getProperty("java.version"), System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), epochs);
        if (folder != null) {
            ImageFolderDataset images = new ImageFolderDataset(folder, 3);
            Augmentation crop = Augmentation.imagenetTrain(32, Augmentation.Normalization.imagenet());
            for (int workers : new int[]{1, 2}) {
                run(images.toString(), images, crop, workers, epochs);
            }
            return;
        }

        DataConfig offline = DataConfig.defaults().withDownload(false);
        ArrayDataset fashion = Datasets.open(DatasetSpec.FASHION_MNIST, Split.TRAIN, null, offline);
        ArrayDataset cifarShaped = synthetic(50_000, 3, 32, 32);

        Augmentation fashionAug = Augmentation.padCropFlip(28, 4, Augmentation.Normalization.fashionMnist());
        Augmentation cifarAug = Augmentation.padCropFlip(32, 4, Augmentation.Normalization.cifar10());
        Augmentation cifarCutout = cifarAug.withErasing(new Augmentation.Erasing.Cutout(16, 1.0));

        trainerLike("cifar-shaped  3x32x32 pad4-crop-flip", cifarShaped, cifarAug, 1000, 60);
        trainerLike("fashion-mnist 1x28x28 pad4-crop-flip", fashion, fashionAug, 1000, 60);
        for (int workers : new int[]{1, 2}) {
            run("fashion-mnist 1x28x28 pad4-crop-flip", fashion, fashionAug, workers, epochs);
            run("cifar-shaped  3x32x32 pad4-crop-flip", cifarShaped, cifarAug, workers, epochs);
            run("cifar-shaped  3x32x32 +cutout16     ", cifarShaped, cifarCutout, workers, epochs);
        }
    }

    private static void run(String label, Dataset data, Augmentation aug, int workers, int epochs) {
        LoaderConfig cfg = new LoaderConfig(128, true, false, 1, workers, 3);
        try (DataLoader loader = new DataLoader(data, aug, cfg)) {
            validate(loader, data, aug, cfg);
            drain(loader, 0);   // warm-up
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] ids = loaderThreads();
            long alloc0 = Arrays.stream(mx.getThreadAllocatedBytes(ids)).sum();
            long cpu0 = Arrays.stream(ids).map(mx::getThreadCpuTime).sum();
            long t0 = System.nanoTime();
            long images = 0;
            for (int e = 1; e <= epochs; e++) {
                images += drain(loader, e);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long alloc = Arrays.stream(mx.getThreadAllocatedBytes(ids)).sum() - alloc0;
            double cpu = (Arrays.stream(ids).map(mx::getThreadCpuTime).sum() - cpu0) / 1e9;
            long batches = (long) loader.batchesPerEpoch() * epochs;
            System.out.printf("%s  workers %d: %,9.0f img/s   loader CPU %5.1f us/img   allocated %,6d B/batch%n",
                    label, workers, images / seconds, cpu / images * 1e6, alloc / batches);
        }
    }

    /**
     * A consumer that behaves like a trainer running at {@code trainerImgPerS} on both cores (it computes for
     * batch/rate seconds per batch while a second thread computes alongside): reports the share of its time spent
     * waiting in {@code next()}.
     */
    private static void trainerLike(String label, ArrayDataset data, Augmentation aug, int trainerImgPerS, int batches) {
        LoaderConfig cfg = LoaderConfig.train(128, 1);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread second = new Thread(() -> {
            double x = 0;
            while (running.get()) {
                x += spin(1_000_000);
            }
            if (x == 42) {
                System.out.print("");
            }
        }, "bench-second-core");
        try (DataLoader loader = new DataLoader(data, aug, cfg)) {
            second.start();
            Iterator<Batch> it = loader.epoch(0);
            it.next();   // the first batch is a cold start in any trainer
            long waited = 0;
            long t0 = System.nanoTime();
            for (int b = 1; b < batches && it.hasNext(); b++) {
                long w0 = System.nanoTime();
                Batch batch = it.next();
                waited += System.nanoTime() - w0;
                long busyUntil = System.nanoTime() + (long) (batch.size() * 1e9 / trainerImgPerS);
                while (System.nanoTime() < busyUntil) {
                    spin(10_000);
                }
            }
            double total = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%s  trainer at %d img/s on 2 busy cores, 1 worker: waited for data %.2f%% of %.1f s%n",
                    label, trainerImgPerS, 100.0 * waited / 1e9 / total, total);
        } finally {
            running.set(false);
            try {
                second.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static double spin(int n) {
        double x = 0;
        for (int i = 0; i < n; i++) {
            x += Math.sqrt(i);
        }
        return x;
    }

    /** Batch 0 of epoch 0 must equal the augmentation applied directly to the shuffled examples. */
    private static void validate(DataLoader loader, Dataset data, Augmentation aug, LoaderConfig cfg) {
        Batch b = loader.epoch(0).next();
        Augmenter ref = new Augmenter(aug, data.channels());
        int size = ref.outputSize();
        float[] out = new float[size];
        ImageView view = new ImageView();
        float[] got = b.images().data();
        int matched = 0;
        // The loader's permutation is internal; find each example by label and pixels among a few candidates.
        for (int j = 0; j < 4; j++) {
            for (int i = 0; i < data.size(); i++) {
                if (data.label(i) != b.labels()[j]) {
                    continue;
                }
                data.read(i, view);
                ref.apply(view, Augmenter.random(cfg.seed(), 0, i), out, 0);
                if (Arrays.equals(out, 0, size, got, j * size, (j + 1) * size)) {
                    matched++;
                    break;
                }
            }
        }
        if (matched != 4) {
            throw new AssertionError("loader output does not match the augmentation applied directly (" + matched + "/4 examples found)");
        }
    }

    private static long drain(DataLoader loader, int epoch) {
        long n = 0;
        float sink = 0;
        for (Iterator<Batch> it = loader.epoch(epoch); it.hasNext(); ) {
            Batch b = it.next();
            sink += b.images().data()[0];
            n += b.size();
        }
        if (Float.isNaN(sink)) {
            throw new AssertionError("NaN in a batch");
        }
        return n;
    }

    private static long[] loaderThreads() {
        List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("resnet4j-loader-") && t.isAlive()).toList();
        return threads.stream().mapToLong(Thread::getId).toArray();
    }

    private static ArrayDataset synthetic(int n, int c, int h, int w) {
        SplittableRandom r = new SplittableRandom(5);
        byte[] px = new byte[n * c * h * w];
        for (int k = 0; k < px.length; k++) {
            px[k] = (byte) r.nextInt(256);
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(10);
        }
        return new ArrayDataset("cifar-shaped", px, labels, c, h, w, DatasetSpec.CIFAR10.classNames());
    }

}
