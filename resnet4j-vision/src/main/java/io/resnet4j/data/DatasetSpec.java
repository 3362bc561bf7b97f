package io.resnet4j.data;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A dataset that {@link Datasets} knows how to find, fetch and decode: its files per split, where a Linux
 * distribution installs it, and where to download it.
 *
 * @param id          directory name in the cache and name on the command line, e.g. {@code fashion-mnist}
 * @param title       human name
 * @param format      how the files are decoded
 * @param classNames  built-in class names (files beside the data may override them, see {@link Cifar})
 * @param trainFiles  file names of the training split; IDX names are given without {@code .gz} and match
 *                    both the raw and the gzip file
 * @param testFiles   file names of the test split
 * @param subdir      directory the files sit in inside a dataset directory (the archive's top directory), or ""
 * @param systemDirs  where a distribution package installs the files
 * @param systemHint  how to install that package, or "" if there is none
 * @param remote      what to download: the files themselves or one {@code .tar.gz} archive holding {@code subdir}
 */
public record DatasetSpec(String id, String title, Format format, List<String> classNames, List<String> trainFiles,
                          List<String> testFiles, String subdir, List<Path> systemDirs, String systemHint,
                          List<RemoteFile> remote) {
    public DatasetSpec {
        if (id == null || !id.matches("[a-z0-9][a-z0-9._-]*")) {
            throw new IllegalArgumentException("dataset id must be lower-case letters, digits, '.', '_' or '-', got " + id);
        }
        if (trainFiles.isEmpty() || testFiles.isEmpty() || classNames.isEmpty()) {
            throw new IllegalArgumentException(id + ": files and class names must be given");
        }
        if (format == Format.IDX && (trainFiles.size() != 2 || testFiles.size() != 2)) {
            throw new IllegalArgumentException(id + ": an IDX split is an images file and a labels file");
        }
        classNames = List.copyOf(classNames);
        trainFiles = List.copyOf(trainFiles);
        testFiles = List.copyOf(testFiles);
        systemDirs = List.copyOf(systemDirs);
        remote = List.copyOf(remote);
    }

    /** How the files of a dataset are decoded. */
    public enum Format {
        /** MNIST-style IDX: images file then labels file, gzip or raw. */
        IDX,
        /** CIFAR-10 binary batches. */
        CIFAR10,
        /** CIFAR-100 binary files (fine labels). */
        CIFAR100
    }

    /**
     * A file to download.
     *
     * @param name    file name in the cache directory
     * @param url     canonical URL
     * @param sha256  expected SHA-256 (lower-case hex)
     * @param size    expected size in bytes (a download that grows past it is stopped)
     * @param archive a {@code .tar.gz} to unpack (its {@code subdir} entries) rather than a data file
     */
    public record RemoteFile(String name, URI url, String sha256, long size, boolean archive) {
        public RemoteFile {
            if (name == null || name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                throw new IllegalArgumentException("bad file name " + name);
            }
            if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(name + ": SHA-256 must be 64 lower-case hex digits, got " + sha256);
            }
            if (size <= 0) {
                throw new IllegalArgumentException(name + ": size must be positive, got " + size);
            }
        }
    }

    public List<String> files(Split split) {
        return split == Split.TRAIN ? trainFiles : testFiles;
    }

    /** Total download size in bytes. */
    public long downloadBytes() {
        return remote.stream().mapToLong(RemoteFile::size).sum();
    }

    private static final List<String> IDX_TRAIN = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte");
    private static final List<String> IDX_TEST = List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    /**
     * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; MIT licence, Zalando SE): 60,000 + 10,000 grey 28x28 images
     * of 10 kinds of clothing. Debian's {@code dataset-fashion-mnist} installs it; checksums from the
     * project's README.
     */
    public static final DatasetSpec FASHION_MNIST = new DatasetSpec("fashion-mnist", "Fashion-MNIST", Format.IDX,
            List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
            IDX_TRAIN, IDX_TEST, "", List.of(Path.of("/usr/share/datasets/fashion-mnist")),
            "sudo apt-get install dataset-fashion-mnist",
            List.of(
                    remote("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", "train-images-idx3-ubyte.gz",
                            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26_421_880),
                    remote("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", "train-labels-idx1-ubyte.gz",
                            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29_515),
                    remote("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", "t10k-images-idx3-ubyte.gz",
                            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4_422_102),
                    remote("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", "t10k-labels-idx1-ubyte.gz",
                            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5_148)));

    /** MNIST digits (LeCun et al. 1998), from the mirror torchvision uses. */
    public static final DatasetSpec MNIST = new DatasetSpec("mnist", "MNIST", Format.IDX,
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
            IDX_TRAIN, IDX_TEST, "", List.of(), "",
            List.of(
                    remote("https://ossci-datasets.s3.amazonaws.com/mnist/", "train-images-idx3-ubyte.gz",
                            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
                    remote("https://ossci-datasets.s3.amazonaws.com/mnist/", "train-labels-idx1-ubyte.gz",
                            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
                    remote("https://ossci-datasets.s3.amazonaws.com/mnist/", "t10k-images-idx3-ubyte.gz",
                            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
                    remote("https://ossci-datasets.s3.amazonaws.com/mnist/", "t10k-labels-idx1-ubyte.gz",
                            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542)));

    /** CIFAR-10 binary version (Krizhevsky 2009). */
    public static final DatasetSpec CIFAR10 = new DatasetSpec("cifar-10", "CIFAR-10", Format.CIFAR10, Cifar.CIFAR10_CLASSES,
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"),
            List.of("test_batch.bin"), "cifar-10-batches-bin", List.of(), "",
            List.of(new RemoteFile("cifar-10-binary.tar.gz", URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
                    "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", 170_052_171, true)));

    /** CIFAR-100 binary version (Krizhevsky 2009), fine labels. */
    public static final DatasetSpec CIFAR100 = new DatasetSpec("cifar-100", "CIFAR-100", Format.CIFAR100, Cifar.CIFAR100_FINE_CLASSES,
            List.of("train.bin"), List.of("test.bin"), "cifar-100-binary", List.of(), "",
            List.of(new RemoteFile("cifar-100-binary.tar.gz", URI.create("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"),
                    "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec", 168_513_733, true)));

    /** Every dataset known by id. */
    public static List<DatasetSpec> known() {
        return List.of(FASHION_MNIST, MNIST, CIFAR10, CIFAR100);
    }

    /** The known dataset with this id (case-insensitive). */
    public static DatasetSpec byId(String id) {
        for (DatasetSpec s : known()) {
            if (s.id.equals(id.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new DatasetException("unknown dataset '" + id + "'; known: fashion-mnist, mnist, cifar-10, cifar-100"
                + " (or give a directory of class folders as an image-folder dataset)");
    }

    private static RemoteFile remote(String base, String name, String sha256, long size) {
        return new RemoteFile(name, URI.create(base + name), sha256, size, false);
    }
}
