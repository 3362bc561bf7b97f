package io.resnet4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code resnet4j train}: trains a model, writes checkpoints, metrics, plots and a report. */
@Command(name = "train",
        description = {
            "Train a model and write its checkpoint, metrics.jsonl, plots and report.html into --out.",
            "With no --dataset: Fashion-MNIST when it is found (see 'resnet4j datasets'), else the small Fashion-MNIST "
                    + "subset bundled in the jar; the CIFAR-style resnet20 with 1 input channel, for a few minutes."
        },
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j train",
            "  ./resnet4j train --epochs 30 --out runs/fashion-resnet20",
            "  ./resnet4j train --model resnet56 --dataset cifar10 --epochs 160 --lr 0.1 --schedule step",
            "  ./resnet4j train --resume runs/fashion-resnet20/last.safetensors --epochs 40"
        })
final class TrainCommand extends BaseCommand {
    enum Schedule { cosine, step, constant }

    @Mixin
    ThreadsOption threads;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "resnet20",
            description = "Model from 'resnet4j models' (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--dataset", paramLabel = "NAME|DIR",
            description = "fashion-mnist, mnist, cifar10, cifar100, bundled, or a directory (default: fashion-mnist if "
                    + "found, else bundled).")
    String dataset;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs to train (default: a short budget).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "128", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "0.1", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--schedule", paramLabel = "S", defaultValue = "cosine",
            description = "Learning-rate schedule: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Schedule schedule;

    @Option(names = "--momentum", paramLabel = "M", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "1e-4",
            description = "L2 weight decay (default: ${DEFAULT-VALUE}, as in He et al. 2015).")
    double weightDecay;

    @Option(names = "--augment", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Random crop (pad 4) and horizontal flip of training images (default: on; --no-augment).")
    boolean augment;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of initialisation, data order and augmentation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<dataset>-<model>).")
    Path out;

    @Option(names = "--resume", paramLabel = "FILE", description = "Continue from a checkpoint written by train.")
    Path resume;

    @Option(names = "--quiet", description = "No progress output; only the final result.")
    boolean quiet;

    @Override
    public Integer call() {
        if (epochs != null) {
            requireRange("--epochs", epochs, 1, 100_000);
        }
        requireRange("--batch", batch, 1, 65536);
        requireRange("--lr", lr, 1e-8, 100);
        requireRange("--momentum", momentum, 0, 0.9999);
        requireRange("--weight-decay", weightDecay, 0, 1);
        threads.apply();
        throw new NotWired("train", "the trainer (io.resnet4j.train) and the datasets (io.resnet4j.data)");
    }
}
