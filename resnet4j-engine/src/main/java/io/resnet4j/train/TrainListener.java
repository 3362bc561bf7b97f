package io.resnet4j.train;

/** Receives a run's progress on the training thread; keep the work small (a progress bar, a log line). */
public interface TrainListener {
    /** Called once before the first epoch of this session. */
    default void onStart(int startEpoch, int epochs, int batchesPerEpoch) {
    }

    /** Called after every training iteration. */
    default void onBatch(BatchProgress progress) {
    }

    /** Called after each epoch, once its metrics line and checkpoints are written. */
    default void onEpoch(EpochMetrics metrics) {
    }
}
