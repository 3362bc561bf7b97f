package io.resnet4j.data;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Where datasets are cached and whether they may be downloaded. Passed to {@link Datasets}; nothing reads a
 * global setting.
 *
 * @param cacheDir downloads go to {@code cacheDir/<dataset id>/}, which is also searched
 * @param download whether a dataset found nowhere else may be downloaded from its canonical URL
 * @param timeout  connect and idle-read timeout of a download
 * @param log      receives one line per download step (e.g. the CLI prints them); never null
 */
public record DataConfig(Path cacheDir, boolean download, Duration timeout, Consumer<String> log) {
    public DataConfig {
        if (cacheDir == null) {
            throw new IllegalArgumentException("cache directory must be given");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (log == null) {
            throw new IllegalArgumentException("log must not be null (use s -> {})");
        }
    }

    /** {@code ~/.resnet4j/datasets}. */
    public static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".resnet4j", "datasets");
    }

    /** The default cache directory, downloads allowed, 60 s timeout, silent. */
    public static DataConfig defaults() {
        return new DataConfig(defaultCacheDir(), true, Duration.ofSeconds(60), s -> { });
    }

    public DataConfig withCacheDir(Path dir) {
        return new DataConfig(dir, download, timeout, log);
    }

    public DataConfig withDownload(boolean allowed) {
        return new DataConfig(cacheDir, allowed, timeout, log);
    }

    public DataConfig withLog(Consumer<String> sink) {
        return new DataConfig(cacheDir, download, timeout, sink);
    }
}
