package io.resnet4j.cli;

import io.resnet4j.data.ArrayDataset;
import io.resnet4j.data.Augmentation;
import io.resnet4j.data.Augmentation.Normalization;
import io.resnet4j.data.DataConfig;
import io.resnet4j.data.Dataset;
import io.resnet4j.data.DatasetSpec;
import io.resnet4j.data.Datasets;
import io.resnet4j.data.ImageFolderDataset;
import io.resnet4j.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What {@code --dataset} means: nothing (Fashion-MNIST when it is on this machine, else the subset bundled in the
 * jar), {@code bundled}, a known dataset id (found in {@code --data-dir}, the cache or a system package, or
 * downloaded), or a directory with {@code train/} and {@code test/} (or {@code val/}) image folders.
 *
 * @param id             a short name for run directories and checkpoints, e.g. {@code fashion-mnist}
 * @param description    one line for the user: which data, from where, how many images
 * @param train          training split (null when only the test split was asked for)
 * @param test           test split
 * @param normalization  per-channel mean and std of the training data
 * @param imageSize      height and width the network sees
 * @param resize         shorter side images are resized to before the centre crop (= imageSize for fixed-size data)
 */
record DataChoice(String id, String description, Dataset train, Dataset test, Normalization normalization,
                  int imageSize, int resize) {


    int channels() {
        return test.channels();
    }

    List<String> classNames() {
        return test.classNames();
    }

    /** Training augmentation: the He et al. CIFAR recipe for fixed-size data, ImageNet's for folders. */
    Augmentation trainAugmentation(boolean augment) {
        if (train.height() < 0) {
            return augment ? Augmentation.imagenetTrain(imageSize, normalization)
                    : Augmentation.imagenetEval(resize, imageSize, normalization);
        }
        return augment ? Augmentation.padCropFlip(imageSize, 4, normalization)
                : Augmentation.normalizeOnly(imageSize, imageSize, normalization);
    }

    Augmentation evalAugmentation() {
        if (test.height() < 0) {
            return Augmentation.imagenetEval(resize, imageSize, normalization);
        }
        return Augmentation.normalizeOnly(test.height(), test.width(), normalization);
    }

    /**
     * @param folderSize the side image folders are resized and cropped to (they have no size of their own)
     */
    static DataChoice resolve(String dataset, Path dataDir, DataConfig config, boolean withTrain, int folderSize) {
        if (dataset == null || dataset.isBlank()) {
            ArrayDataset test = Datasets.fashionMnistOrSubset(Split.TEST, config);
            ArrayDataset train = withTrain ? Datasets.fashionMnistOrSubset(Split.TRAIN, config) : null;
            boolean subset = test.name().startsWith("fashion-mnist-subset");
            return fixed(subset ? "fashion-mnist-subset" : "fashion-mnist",
                    subset ? "Fashion-MNIST subset bundled in the jar (Fashion-MNIST was not found; see "
                            + "'resnet4j datasets')" : "Fashion-MNIST", train, test, Normalization.fashionMnist());
        }
        String key = dataset.trim().toLowerCase(Locale.ROOT);
        switch (key) {
            case "bundled", "fashion-mnist-subset", "subset" -> {
                return fixed("fashion-mnist-subset", "Fashion-MNIST subset bundled in the jar",
                        withTrain ? Datasets.fashionMnistSubset(Split.TRAIN) : null,
                        Datasets.fashionMnistSubset(Split.TEST), Normalization.fashionMnist());
            }
            case "cifar10" -> key = "cifar-10";
            case "cifar100" -> key = "cifar-100";
            case "fashion", "fashionmnist" -> key = "fashion-mnist";
            default -> {
            }
        }
        for (DatasetSpec spec : DatasetSpec.known()) {
            if (spec.id().equals(key)) {
                ArrayDataset test = Datasets.open(spec, Split.TEST, dataDir, config);
                ArrayDataset train = withTrain ? Datasets.open(spec, Split.TRAIN, dataDir, config) : null;
                return fixed(spec.id(), spec.title(), train, test, normalization(spec));
            }
        }
        Path dir = Path.of(dataset);
        if (Files.isDirectory(dir)) {
            return folders(dir, withTrain, folderSize);
        }
        throw new UserError("--dataset " + dataset + ": not a known dataset (fashion-mnist, mnist, cifar-10, cifar-100, "
                + "bundled) nor a directory; see 'resnet4j datasets'");
    }

    private static DataChoice fixed(String id, String title, Dataset train, Dataset test, Normalization norm) {
        String sizes = (train == null ? "" : String.format(Locale.ROOT, "%,d train / ", train.size()))
                + String.format(Locale.ROOT, "%,d test images of %dx%dx%d, %d classes", test.size(), test.channels(),
                        test.height(), test.width(), test.numClasses());
        return new DataChoice(id, title + ": " + sizes, train, test, norm, test.height(), test.height());
    }

    private static Normalization normalization(DatasetSpec spec) {
        return switch (spec.id()) {
            case "fashion-mnist" -> Normalization.fashionMnist();
            case "mnist" -> Normalization.mnist();
            case "cifar-10" -> Normalization.cifar10();
            case "cifar-100" -> Normalization.cifar100();
            default -> Normalization.unit(spec.id().startsWith("cifar") ? 3 : 1);
        };
    }

    /** The names in {@code names} that {@code other} lacks, comma-separated, or "none". */
    private static String missing(List<String> names, List<String> other) {
        List<String> out = names.stream().filter(n -> !other.contains(n)).toList();
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    private static DataChoice folders(Path root, boolean withTrain, int size) {
        Path test = Files.isDirectory(root.resolve("test")) ? root.resolve("test") : root.resolve("val");
        if (!Files.isDirectory(test) || (withTrain && !Files.isDirectory(root.resolve("train")))) {
            throw new UserError("--dataset " + root + ": an image-folder dataset needs " + (withTrain ? "train/ and " : "")
                    + "test/ (or val/) directories with one sub-directory per class");
        }
        ImageFolderDataset testSet = new ImageFolderDataset(test, 3);
        ImageFolderDataset trainSet = withTrain ? new ImageFolderDataset(root.resolve("train"), 3) : null;
        if (trainSet != null && !trainSet.classNames().equals(testSet.classNames())) {
            throw new UserError("--dataset " + root + ": train/ and " + test.getFileName() + "/ must have the same "
                    + "class folders (the labels follow their sorted names); only in train/: "
                    + missing(trainSet.classNames(), testSet.classNames()) + "; only in " + test.getFileName() + "/: "
                    + missing(testSet.classNames(), trainSet.classNames()));
        }
        String id = root.toAbsolutePath().normalize().getFileName().toString();
        String sizes = (trainSet == null ? "" : String.format(Locale.ROOT, "%,d train / ", trainSet.size()))
                + String.format(Locale.ROOT, "%,d test images, %d classes, resized to %d", testSet.size(),
                        testSet.numClasses(), size);
        return new DataChoice(id, "image folders " + root + ": " + sizes, trainSet, testSet, Normalization.imagenet(),
                size, size * 256 / 224);
    }
}
