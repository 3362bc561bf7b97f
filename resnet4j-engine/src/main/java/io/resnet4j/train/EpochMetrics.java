package io.resnet4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One epoch's results: one line of {@code metrics.jsonl}. Test fields are NaN (JSON null) for an epoch that
 * was not evaluated.
 *
 * @param epoch        1-based epoch (= epochs completed)
 * @param step         optimiser steps completed
 * @param trainLoss    mean training loss over the epoch's examples (label smoothing included)
 * @param trainAcc     training accuracy over the epoch (train mode, augmented batches), a fraction
 * @param testLoss     mean test loss (eval mode, the same criterion)
 * @param testAcc      test accuracy, a fraction
 * @param lr           the learning rate of the epoch's last step
 * @param imgPerSec    training images per second (training time only)
 * @param trainTimeSec seconds spent training this epoch
 * @param dataWaitSec  seconds of trainTimeSec the trainer waited for the training source's next batch (a loader
 *                     that keeps up leaves this near 0; NaN where not recorded, e.g. in older metrics files)
 * @param evalTimeSec  seconds spent evaluating
 * @param wallTimeSec  seconds since the run started, summed over resumed sessions
 * @param bestTestAcc  the best test accuracy so far (including this epoch)
 * @param evalWeights  "ema" when the averaged weights were evaluated, else "model"
 */
public record EpochMetrics(int epoch, long step, double trainLoss, double trainAcc, double testLoss, double testAcc,
                           double lr, double imgPerSec, double trainTimeSec, double dataWaitSec, double evalTimeSec,
                           double wallTimeSec, double bestTestAcc, String evalWeights) {

    public boolean evaluated() {
        return !Double.isNaN(testAcc);
    }

    /** The JSON object of metrics.jsonl, in a fixed field order. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("step", step);
        m.put("train_loss", trainLoss);
        m.put("train_acc", trainAcc);
        m.put("test_loss", testLoss);
        m.put("test_acc", testAcc);
        m.put("lr", lr);
        m.put("img_per_s", imgPerSec);
        m.put("train_time_s", trainTimeSec);
        m.put("data_wait_s", dataWaitSec);
        m.put("eval_time_s", evalTimeSec);
        m.put("wall_time_s", wallTimeSec);
        m.put("best_test_acc", bestTestAcc);
        m.put("eval_weights", evalWeights);
        return m;
    }
}
