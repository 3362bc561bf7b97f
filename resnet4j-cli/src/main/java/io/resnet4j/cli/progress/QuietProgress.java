package io.resnet4j.cli.progress;

import io.resnet4j.cli.report.EpochMetrics;

/** {@code --quiet}: no progress output; the command still prints its final result. */
final class QuietProgress implements TrainingProgress {
    @Override
    public void runStarted(int firstEpoch, int lastEpoch, int batchesPerEpoch) {
    }

    @Override
    public void batchEnded(int epoch, int batch, double loss, double accuracy, double imagesPerSecond) {
    }

    @Override
    public void epochEnded(EpochMetrics metrics) {
    }

    @Override
    public void close() {
    }
}
