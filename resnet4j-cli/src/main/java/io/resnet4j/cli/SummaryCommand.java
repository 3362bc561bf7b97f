package io.resnet4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code resnet4j summary}: the layer table of a model with output shapes, parameters and multiply-adds. */
@Command(name = "summary",
        description = "Print a model's layer table: output shape, parameters and multiply-adds per layer, then the totals.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j summary --model resnet50",
            "  ./resnet4j summary --model resnet20 --in-channels 1 --input-size 28",
            "  ./resnet4j summary --model resnet18 --num-classes 10 --input-size 64"
        })
final class SummaryCommand extends BaseCommand {
    @Mixin
    ModelOptions model;

    @Override
    public Integer call() {
        model.requireModel();
        throw new NotWired("summary", "the model registry (io.resnet4j.models)");
    }
}
