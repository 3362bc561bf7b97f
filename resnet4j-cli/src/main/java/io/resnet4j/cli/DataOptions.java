package io.resnet4j.cli;

import io.resnet4j.data.DataConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where data comes from: {@code --dataset}, {@code --data-dir}, {@code --cache-dir}, {@code --no-download}. */
final class DataOptions {
    @Option(names = "--dataset", paramLabel = "NAME|DIR",
            description = "fashion-mnist, mnist, cifar-10, cifar-100, bundled (the Fashion-MNIST subset in the jar), "
                    + "or a directory with train/ and test/ image folders.")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory holding the dataset's files (default: the cache, then system packages).")
    Path dataDir;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Dataset cache (default: ~/.resnet4j/datasets).")
    Path cacheDir;

    @Option(names = "--no-download", description = "Never download a dataset that is not found.")
    boolean noDownload;

    /** The data configuration; download steps are reported on {@code log}. */
    DataConfig config(PrintWriter log) {
        DataConfig c = DataConfig.defaults().withLog(line -> {
            log.println(line);
            log.flush();
        });
        if (cacheDir != null) {
            c = c.withCacheDir(cacheDir);
        }
        return noDownload ? c.withDownload(false) : c;
    }
}
