package io.resnet4j.cli.report;

/**
 * One line of a run's {@code metrics.jsonl}: the epoch (1-based), mean training loss and accuracy, test loss and
 * accuracy (NaN when the epoch was not evaluated), the learning rate at the epoch's end and the training speed.
 * Accuracies are fractions in [0, 1].
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAcc, double testLoss, double testAcc,
                           double lr, double imagesPerSecond) {

    public boolean hasTest() {
        return !Double.isNaN(testAcc);
    }
}
