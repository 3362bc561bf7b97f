package io.resnet4j.train;

/**
 * Progress after one training iteration, for progress bars.
 *
 * @param epoch       1-based epoch in progress
 * @param epochs      epochs of the run
 * @param batch       1-based batch within the epoch
 * @param batches     batches per epoch
 * @param step        optimiser steps taken in the run so far (including this one)
 * @param loss        this batch's mean loss
 * @param meanLoss    mean loss over the epoch so far (per example)
 * @param accuracy    training accuracy over the epoch so far, a fraction
 * @param lr          the learning rate this step used
 * @param imgPerSec   training throughput over the epoch so far, images per second
 * @param etaEpochSec estimated seconds to the end of the epoch's training (evaluation not included)
 * @param etaRunSec   estimated seconds to the end of the run's training, at this epoch's pace
 */
public record BatchProgress(int epoch, int epochs, int batch, int batches, long step, double loss, double meanLoss,
                            double accuracy, double lr, double imgPerSec, double etaEpochSec, double etaRunSec) {
}
