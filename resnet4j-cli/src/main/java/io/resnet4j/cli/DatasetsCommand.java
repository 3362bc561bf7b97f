package io.resnet4j.cli;

import io.resnet4j.data.DataConfig;
import io.resnet4j.data.Datasets;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code resnet4j datasets}: where each known dataset was found, or how to get it. */
@Command(name = "datasets",
        description = "Show where each known dataset was found on this machine, or how to get it (never downloads).",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j datasets",
            "  ./resnet4j datasets --cache-dir /data/resnet4j"
        })
final class DatasetsCommand extends BaseCommand {
    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Dataset cache directory (default: ~/.resnet4j/datasets).")
    Path cacheDir;

    @Override
    public Integer call() {
        DataConfig config = DataConfig.defaults();
        if (cacheDir != null) {
            config = config.withCacheDir(cacheDir);
        }
        out().print(Datasets.describeText(config));
        out().flush();
        return 0;
    }
}
