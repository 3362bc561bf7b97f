package io.resnet4j.train;

import java.util.List;

/**
 * What {@link Trainer#fit} did.
 *
 * @param epochs          metrics of the epochs run in this session
 * @param epochsCompleted epochs completed in the run (including those before a resume)
 * @param bestTestAcc     best test accuracy of the run (NaN if never evaluated)
 * @param bestEpoch       1-based epoch of the best test accuracy (0 if never evaluated)
 * @param stoppedEarly    whether {@link Trainer#requestStop} ended the session before the last epoch
 */
public record TrainResult(List<EpochMetrics> epochs, int epochsCompleted, double bestTestAcc, int bestEpoch,
                          boolean stoppedEarly) {
    public TrainResult {
        epochs = List.copyOf(epochs);
    }
}
