package io.resnet4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet4j bench}: training or inference speed of a model, as the median img/s of timed blocks. */
@Command(name = "bench",
        description = "Measure a model's speed on random data: warm-up steps, then several timed blocks; prints the "
                + "median as 'img/s: N'.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j bench --model resnet20 --batch 128 --mode train",
            "  ./resnet4j bench --model resnet50 --batch 8 --mode infer --threads 1",
            "  ./resnet4j bench --model resnet18 --batch 32 --mode infer --input-size 112"
        })
final class BenchCommand extends BaseCommand {
    enum Mode { train, infer }

    @Mixin
    ModelOptions model;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "32", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "infer",
            description = "train (forward + backward + SGD step) or infer (forward only, eval mode); default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "Untimed warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--blocks", paramLabel = "N", defaultValue = "5", description = "Timed blocks; the median is reported (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "3", description = "Steps per timed block (default: ${DEFAULT-VALUE}).")
    int steps;

    @Override
    public Integer call() {
        model.requireModel();
        requireRange("--batch", batch, 1, 65536);
        requireRange("--warmup", warmup, 0, 10_000);
        requireRange("--blocks", blocks, 1, 10_000);
        requireRange("--steps", steps, 1, 10_000);
        threads.apply();
        throw new NotWired("bench", "the model registry (io.resnet4j.models)");
    }
}
