package io.resnet4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet4j eval}: a checkpoint's loss, top-1, top-5 and per-class accuracy on a dataset. */
@Command(name = "eval",
        description = "Evaluate a checkpoint on a dataset's test split: loss, top-1, top-5 and per-class accuracy.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j eval --checkpoint runs/fashion-resnet20/best.safetensors",
            "  ./resnet4j eval --checkpoint runs/c10/last.safetensors --dataset cifar10 --batch 256"
        })
final class EvalCommand extends BaseCommand {
    @Mixin
    ThreadsOption threads;

    @Option(names = "--checkpoint", paramLabel = "FILE", required = true, description = "A checkpoint written by train.")
    Path checkpoint;

    @Option(names = "--dataset", paramLabel = "NAME|DIR", description = "Dataset (default: the one the checkpoint was trained on).")
    String dataset;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "256", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--quiet", description = "No progress output.")
    boolean quiet;

    @Override
    public Integer call() {
        requireRange("--batch", batch, 1, 65536);
        threads.apply();
        throw new NotWired("eval", "the datasets (io.resnet4j.data) and the model registry (io.resnet4j.models)");
    }
}
