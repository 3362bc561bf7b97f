package io.resnet4j.cli.report;

/**
 * One line of a run's {@code metrics.jsonl}: the epoch (1-based), mean training loss and accuracy, test loss and
 * accuracy (NaN when the epoch was not evaluated), the learning rate at the epoch's end, the training speed, and
 * the share of the training time spent waiting for data (NaN when not known: reports read from files leave it
 * out). Accuracies and the share are fractions in [0, 1].
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAcc, double testLoss, double testAcc,
                           double lr, double imagesPerSecond, double dataWaitShare) {

    /** Without the data-wait share (NaN). */
    public EpochMetrics(int epoch, double trainLoss, double trainAcc, double testLoss, double testAcc, double lr,
                        double imagesPerSecond) {
        this(epoch, trainLoss, trainAcc, testLoss, testAcc, lr, imagesPerSecond, Double.NaN);
    }

    public boolean hasTest() {
        return !Double.isNaN(testAcc);
    }
}
