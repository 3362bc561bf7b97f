package io.resnet4j.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary versions of CIFAR-10 and CIFAR-100 (https://www.cs.toronto.edu/~kriz/cifar.html). A file is a
 * sequence of fixed-size records: CIFAR-10 {@code <label><3072 pixels>}, CIFAR-100
 * {@code <coarse label><fine label><3072 pixels>}; pixels are 3x32x32 in CHW order (1024 red, 1024 green,
 * 1024 blue, rows top to bottom), the layout {@link ArrayDataset} uses, so records are copied as they are.
 */
public final class Cifar {
    static final int PIXELS = 3 * 32 * 32;

    private Cifar() {
    }

    /** Which label set of CIFAR-100 becomes the dataset's labels. */
    public enum Labels {
        /** The 100 classes. */
        FINE,
        /** The 20 superclasses. */
        COARSE
    }

    /** The 10 classes in label order (as in {@code batches.meta.txt}). */
    public static final List<String> CIFAR10_CLASSES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    /** The 100 fine classes in label order (as in {@code fine_label_names.txt}; alphabetical). */
    public static final List<String> CIFAR100_FINE_CLASSES = List.of(
            "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
            "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
            "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
            "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
            "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
            "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
            "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
            "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
            "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
            "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm");

    /** The 20 coarse classes in label order (as in {@code coarse_label_names.txt}). */
    public static final List<String> CIFAR100_COARSE_CLASSES = List.of(
            "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
            "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
            "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
            "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
            "vehicles_1", "vehicles_2");

    /**
     * Reads CIFAR-10 batch files in the given order; class names come from {@code batches.meta.txt} beside the
     * first file when present, else the built-in names.
     */
    public static ArrayDataset read10(String name, List<Path> files) {
        List<String> classes = namesFile(files.get(0).resolveSibling("batches.meta.txt"), CIFAR10_CLASSES);
        return read(name, files, 1, 0, classes);
    }

    /**
     * Reads CIFAR-100 files ({@code train.bin} or {@code test.bin}) with the fine or coarse labels; class names
     * come from {@code fine_label_names.txt} / {@code coarse_label_names.txt} beside the first file when present.
     */
    public static ArrayDataset read100(String name, List<Path> files, Labels labels) {
        boolean fine = labels == Labels.FINE;
        List<String> classes = fine
                ? namesFile(files.get(0).resolveSibling("fine_label_names.txt"), CIFAR100_FINE_CLASSES)
                : namesFile(files.get(0).resolveSibling("coarse_label_names.txt"), CIFAR100_COARSE_CLASSES);
        return read(name, files, 2, fine ? 1 : 0, classes);
    }

    /** Records of {@code labelBytes + 3072} bytes; the label used is the byte at {@code labelIndex}. */
    private static ArrayDataset read(String name, List<Path> files, int labelBytes, int labelIndex, List<String> classes) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no CIFAR files given");
        }
        int record = labelBytes + PIXELS;
        String kind = labelBytes == 1 ? "CIFAR-10" : "CIFAR-100";
        long total = 0;
        long[] counts = new long[files.size()];
        for (int f = 0; f < files.size(); f++) {
            Path file = files.get(f);
            long size = size(file);
            if (size == 0 || size % record != 0) {
                String other = labelBytes == 1 ? "CIFAR-100 (3074-byte records)" : "CIFAR-10 (3073-byte records)";
                throw new DatasetException(file + " is " + size + " bytes, not a whole number of " + record + "-byte " + kind
                        + " records: the file is truncated or corrupt (download it again), or it is " + other);
            }
            counts[f] = size / record;
            total += counts[f];
        }
        if (total * PIXELS > Idx.MAX_BYTES) {
            throw new DatasetException(name + ": " + total + " images do not fit in one array; pass fewer files");
        }
        byte[] pixels = new byte[(int) (total * PIXELS)];
        int[] labels = new int[(int) total];
        int i = 0;
        for (int f = 0; f < files.size(); f++) {
            Path file = files.get(f);
            byte[] bytes = readAll(file);
            if (bytes.length != counts[f] * record) {
                throw new DatasetException(file + " changed size while being read; read it again");
            }
            for (int r = 0; r < counts[f]; r++, i++) {
                int base = r * record;
                int label = bytes[base + labelIndex] & 0xff;
                if (label >= classes.size()) {
                    String hint = labelBytes == 1 ? ": the file is corrupt, or it is a CIFAR-100 file (open it as CIFAR-100)" : ": the file is corrupt";
                    throw new DatasetException(file + ": label " + label + " of record " + r + " is outside 0.." + (classes.size() - 1) + hint);
                }
                labels[i] = label;
                System.arraycopy(bytes, base + labelBytes, pixels, i * PIXELS, PIXELS);
            }
        }
        return new ArrayDataset(name, pixels, labels, 3, 32, 32, classes);
    }

    /** Class names, one per non-blank line, if {@code file} exists; it must agree in number with the built-in list. */
    static List<String> namesFile(Path file, List<String> builtIn) {
        if (!Files.isRegularFile(file)) {
            return builtIn;
        }
        List<String> names = new ArrayList<>();
        for (String line : new String(readAll(file), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        if (names.size() != builtIn.size()) {
            throw new DatasetException(file + " lists " + names.size() + " class names, expected " + builtIn.size()
                    + ": the file is corrupt or belongs to another dataset (delete it to use the built-in names)");
        }
        return names;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + " does not exist");
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readAll(Path file) {
        try {
            if (Files.size(file) > Idx.MAX_BYTES) {
                throw new DatasetException(file + " is too large to be a CIFAR file");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
