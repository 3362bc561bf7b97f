package io.resnet4j.cli;

import io.resnet4j.cli.report.ConfusionMatrix;
import java.util.List;

/**
 * Accumulates a classifier's results over a test set from its logits: mean cross-entropy loss (in double, with
 * log-sum-exp), top-1 (the first arg-max, as in the confusion matrix), top-5 (the label's logit has fewer than 5
 * strictly larger ones) and the confusion matrix.
 */
final class Evaluation {
    private final int classes;
    private final ConfusionMatrix confusion;
    private double lossSum;
    private long count;
    private long top1;
    private long top5;

    Evaluation(List<String> classNames) {
        this.classes = classNames.size();
        this.confusion = ConfusionMatrix.empty(classNames);
    }

    /** Adds {@code n} examples: {@code logits} is (n, K) row-major from {@code offset}, labels in [0, K). */
    void add(float[] logits, int offset, int[] labels, int n) {
        for (int i = 0; i < n; i++) {
            int base = offset + i * classes;
            int label = labels[i];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " is outside the model's " + classes + " classes");
            }
            double max = Double.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int k = 0; k < classes; k++) {
                if (logits[base + k] > max) {
                    max = logits[base + k];
                    argmax = k;
                }
            }
            double sum = 0;
            int greater = 0;
            float target = logits[base + label];
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(logits[base + k] - max);
                if (logits[base + k] > target) {
                    greater++;
                }
            }
            lossSum += Math.log(sum) + max - target;
            if (argmax == label) {
                top1++;
            }
            if (greater < 5) {
                top5++;
            }
            confusion.add(label, argmax);
            count++;
        }
    }

    long count() {
        return count;
    }

    double loss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    double top1() {
        return count == 0 ? Double.NaN : (double) top1 / count;
    }

    double top5() {
        return count == 0 ? Double.NaN : (double) top5 / count;
    }

    ConfusionMatrix confusion() {
        return confusion;
    }
}
