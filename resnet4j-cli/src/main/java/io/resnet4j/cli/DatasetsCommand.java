package io.resnet4j.cli;

import picocli.CommandLine.Command;

/** {@code resnet4j datasets}: where each known dataset was found, or how to get it. */
@Command(name = "datasets",
        description = "Show where each known dataset was found on this machine, or how to get it.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j datasets"
        })
final class DatasetsCommand extends BaseCommand {
    @Override
    public Integer call() {
        throw new NotWired("datasets", "the dataset catalogue (io.resnet4j.data)");
    }
}
