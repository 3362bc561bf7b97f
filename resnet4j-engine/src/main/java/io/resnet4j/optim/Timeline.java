package io.resnet4j.optim;

/**
 * The length of a training run in optimiser steps (iterations), which schedules need to place epoch
 * milestones, cosine periods and one-cycle phases.
 *
 * @param stepsPerEpoch batches per epoch (>= 1)
 * @param totalSteps    steps of the whole run, epochs x stepsPerEpoch (>= 1)
 */
public record Timeline(int stepsPerEpoch, long totalSteps) {
    public Timeline {
        if (stepsPerEpoch < 1 || totalSteps < 1) {
            throw new IllegalArgumentException("a run needs >= 1 step per epoch and >= 1 step in total, got "
                    + stepsPerEpoch + " and " + totalSteps);
        }
    }

    public static Timeline ofEpochs(int epochs, int stepsPerEpoch) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        return new Timeline(stepsPerEpoch, (long) epochs * stepsPerEpoch);
    }
}
