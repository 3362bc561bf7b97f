package io.resnet4j.cli;

import picocli.CommandLine.Command;

/** {@code resnet4j models}: the registry, one line per model with its parameter count. */
@Command(name = "models",
        description = "List the models of the registry, one line each with its parameter count.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j models",
            "  ./resnet4j models | grep cifar"
        })
final class ModelsCommand extends BaseCommand {
    @Override
    public Integer call() {
        throw new NotWired("models", "the model registry (io.resnet4j.models)");
    }
}
