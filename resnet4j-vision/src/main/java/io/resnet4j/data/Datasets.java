package io.resnet4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finding, fetching and opening datasets. A dataset is looked for, in this order:
 * <ol>
 *   <li>an explicit path (a directory holding the files, its {@code subdir}, or one of the files); if given, it
 *       must hold the files: there is no fall-through to other places;</li>
 *   <li>the cache directory, {@code cacheDir/<id>/} ({@code ~/.resnet4j/datasets} by default, see {@link DataConfig});</li>
 *   <li>where a distribution package installs it (Debian's {@code dataset-fashion-mnist}:
 *       {@code /usr/share/datasets/fashion-mnist});</li>
 *   <li>a download from the canonical URL, verified with SHA-256, into the cache directory, when
 *       {@link DataConfig#download()} allows it.</li>
 * </ol>
 * The Fashion-MNIST subset bundled in this jar is opened with {@link #fashionMnistSubset(Split)}.
 */
public final class Datasets {
    private Datasets() {
    }

    /** Where a dataset was found. */
    public enum Source {
        EXPLICIT("given path"),
        CACHE("cache"),
        SYSTEM("system package"),
        DOWNLOAD("downloaded"),
        BUNDLED("bundled in the jar");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** A dataset's files: {@code dir} holds them. */
    public record Location(DatasetSpec spec, Source source, Path dir) {
    }

    /**
     * Looks for the files of {@code split} (both splits if null) without downloading.
     *
     * @param explicit a user-given path, or null
     * @throws DatasetException if {@code explicit} is given but does not hold the files
     */
    public static Optional<Location> find(DatasetSpec spec, Split split, Path explicit, DataConfig config) {
        if (explicit != null) {
            if (!Files.exists(explicit)) {
                throw new DatasetException(explicit + " does not exist; give the directory that holds the " + spec.title() + " files");
            }
            Path base = Files.isRegularFile(explicit) ? explicit.toAbsolutePath().getParent() : explicit;
            Optional<Path> dir = holding(spec, split, base);
            if (dir.isEmpty()) {
                throw new DatasetException(explicit + " does not hold the " + spec.title() + " files "
                        + String.join(", ", wanted(spec, split)) + (spec.subdir().isEmpty() ? "" : " (directly or in " + spec.subdir() + "/)")
                        + "; point to the directory that holds them");
            }
            return Optional.of(new Location(spec, Source.EXPLICIT, dir.get()));
        }
        Optional<Path> cached = holding(spec, split, cacheDir(spec, config));
        if (cached.isPresent()) {
            return Optional.of(new Location(spec, Source.CACHE, cached.get()));
        }
        for (Path sys : spec.systemDirs()) {
            Optional<Path> d = holding(spec, split, sys);
            if (d.isPresent()) {
                return Optional.of(new Location(spec, Source.SYSTEM, d.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * Finds the dataset ({@link #find}) or downloads it into the cache.
     *
     * @throws DatasetException when it is nowhere and cannot be downloaded, with what to do
     */
    public static Location locate(DatasetSpec spec, Split split, Path explicit, DataConfig config) {
        Optional<Location> found = find(spec, split, explicit, config);
        if (found.isPresent()) {
            return found.get();
        }
        if (!config.download() || spec.remote().isEmpty()) {
            throw new DatasetException(spec.title() + " not found: " + howToGet(spec, config)
                    + (spec.remote().isEmpty() ? "" : " (downloads are switched off)"));
        }
        Path dir = cacheDir(spec, config);
        for (DatasetSpec.RemoteFile f : spec.remote()) {
            Path file = Downloader.download(f, dir, config);
            if (f.archive()) {
                config.log().accept("unpacking " + file);
                Downloader.extractTarGz(file, dir, spec.subdir());
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    config.log().accept("could not delete " + file + " after unpacking: " + e.getMessage());
                }
            }
        }
        Optional<Path> d = holding(spec, split, dir);
        if (d.isEmpty()) {
            throw new DatasetException("downloaded " + spec.title() + " into " + dir + " but it does not hold "
                    + String.join(", ", wanted(spec, split)) + ": the archive layout changed; report this");
        }
        return new Location(spec, Source.DOWNLOAD, d.get());
    }

    /** Locates (downloading if needed and allowed) and decodes one split. */
    public static ArrayDataset open(DatasetSpec spec, Split split, Path explicit, DataConfig config) {
        return open(locate(spec, split, explicit, config), split);
    }

    /** Decodes one split of a located dataset. */
    public static ArrayDataset open(Location location, Split split) {
        DatasetSpec spec = location.spec();
        String name = spec.id() + "/" + split.label();
        List<Path> files = new ArrayList<>();
        for (String f : spec.files(split)) {
            files.add(resolve(location.dir(), f).orElseThrow(() -> new DatasetException(location.dir() + " no longer holds " + f)));
        }
        return switch (spec.format()) {
            case IDX -> Idx.read(name, files.get(0), files.get(1), spec.classNames());
            case CIFAR10 -> Cifar.read10(name, files);
            case CIFAR100 -> Cifar.read100(name, files, Cifar.Labels.FINE);
        };
    }

    /** CIFAR-100 with the fine (100) or coarse (20) labels. */
    public static ArrayDataset openCifar100(Split split, Cifar.Labels labels, Path explicit, DataConfig config) {
        Location loc = locate(DatasetSpec.CIFAR100, split, explicit, config);
        List<Path> files = new ArrayList<>();
        for (String f : DatasetSpec.CIFAR100.files(split)) {
            files.add(loc.dir().resolve(f));
        }
        return Cifar.read100("cifar-100/" + split.label() + (labels == Cifar.Labels.COARSE ? "-coarse" : ""), files, labels);
    }

    /** Resource directory of the bundled subset. */
    static final String SUBSET_RESOURCES = "/io/resnet4j/data/fashion-mnist-subset/";

    /**
     * The Fashion-MNIST subset bundled in this jar: 5,000 training images (the first 500 of each class) and
     * 1,000 test images (the first 100 of each class), made by {@code tools/data/make_fashion_subset.py}.
     * MIT licence, Zalando SE (see {@code LICENSE} beside the files).
     */
    public static ArrayDataset fashionMnistSubset(Split split) {
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        String images = SUBSET_RESOURCES + prefix + "-images-idx3-ubyte.gz";
        String labels = SUBSET_RESOURCES + prefix + "-labels-idx1-ubyte.gz";
        return Idx.decode("fashion-mnist-subset/" + split.label(), resource(images), "jar:" + images, resource(labels), "jar:" + labels,
                DatasetSpec.FASHION_MNIST.classNames());
    }

    /**
     * The zero-setup default: full Fashion-MNIST when it is already on this machine (explicit, cache or system
     * package; no download), otherwise the bundled subset.
     */
    public static ArrayDataset fashionMnistOrSubset(Split split, DataConfig config) {
        Optional<Location> loc = find(DatasetSpec.FASHION_MNIST, split, null, config);
        return loc.isPresent() ? open(loc.get(), split) : fashionMnistSubset(split);
    }

    private static byte[] resource(String name) {
        try (InputStream in = Datasets.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new DatasetException("the bundled dataset file " + name + " is missing from the class path: the jar is incomplete, rebuild it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new DatasetException("cannot read the bundled " + name + ": " + e.getMessage(), e);
        }
    }

    /** One known dataset: where it is, or how to get it. */
    public record Status(String id, String title, Optional<Location> location, String detail) {
        /** One line: id, then where it was found or how to get it. */
        public String line() {
            return String.format("%-22s %s", id, detail);
        }
    }

    /** Where each known dataset is (never downloads), for the CLI's {@code datasets} command. */
    public static List<Status> describe(DataConfig config) {
        List<Status> out = new ArrayList<>();
        for (DatasetSpec spec : DatasetSpec.known()) {
            Optional<Location> loc = find(spec, null, null, config);
            String detail = loc.map(l -> "found (" + l.source().label() + "): " + l.dir())
                    .orElseGet(() -> "not found: " + howToGet(spec, config));
            out.add(new Status(spec.id(), spec.title(), loc, detail));
        }
        out.add(new Status("fashion-mnist-subset", "Fashion-MNIST subset", Optional.empty(),
                "bundled in the jar: 5,000 train / 1,000 test images (the default when Fashion-MNIST is not found)"));
        return out;
    }

    /** {@link #describe} as text, one line per dataset, then the cache directory. */
    public static String describeText(DataConfig config) {
        StringBuilder sb = new StringBuilder();
        for (Status s : describe(config)) {
            sb.append(s.line()).append('\n');
        }
        sb.append("cache directory: ").append(config.cacheDir()).append(config.download() ? "" : " (downloads off)").append('\n');
        return sb.toString();
    }

    /** How to get a dataset that was not found. */
    static String howToGet(DatasetSpec spec, DataConfig config) {
        List<String> ways = new ArrayList<>();
        if (!spec.systemHint().isEmpty()) {
            ways.add(spec.systemHint());
        }
        if (!spec.remote().isEmpty()) {
            ways.add((config.download() ? "it is downloaded on first use" : "allow downloads") + " ("
                    + String.format("%.0f MB", spec.downloadBytes() / 1e6) + " from " + spec.remote().get(0).url().getHost()
                    + ") into " + cacheDir(spec, config));
        }
        ways.add("or pass the directory holding " + String.join(", ", wanted(spec, null)));
        return String.join("; ", ways);
    }

    static Path cacheDir(DatasetSpec spec, DataConfig config) {
        return config.cacheDir().resolve(spec.id());
    }

    private static List<String> wanted(DatasetSpec spec, Split split) {
        List<String> names = new ArrayList<>();
        for (Split s : split == null ? Split.values() : new Split[]{split}) {
            for (String f : spec.files(s)) {
                names.add(spec.format() == DatasetSpec.Format.IDX ? f + "[.gz]" : f);
            }
        }
        return names;
    }

    /** {@code base} or {@code base/subdir} if it holds every file of the split (of both splits if null). */
    private static Optional<Path> holding(DatasetSpec spec, Split split, Path base) {
        List<Path> candidates = spec.subdir().isEmpty() ? List.of(base) : List.of(base, base.resolve(spec.subdir()));
        for (Path dir : candidates) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            boolean all = true;
            for (Split s : split == null ? Split.values() : new Split[]{split}) {
                for (String f : spec.files(s)) {
                    all &= resolve(dir, f).isPresent();
                }
            }
            if (all) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** {@code dir/name}, or {@code dir/name.gz}, if it is a regular file. */
    private static Optional<Path> resolve(Path dir, String name) {
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) {
            return Optional.of(raw);
        }
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? Optional.of(gz) : Optional.empty();
    }
}
