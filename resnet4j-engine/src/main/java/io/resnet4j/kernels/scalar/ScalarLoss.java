package io.resnet4j.kernels.scalar;

import io.resnet4j.kernels.LossOps;

/** The reference softmax cross-entropy, double precision per row. */
public final class ScalarLoss implements LossOps {
    public static final ScalarLoss INSTANCE = new ScalarLoss();

    private ScalarLoss() {
    }

    @Override
    public double softmaxCrossEntropy(int n, int k, float[] logits, int off, int[] labels, float smoothing,
                                      float[] dLogits, int dOff) {
        double total = 0;
        double offTarget = smoothing / (double) k;
        double onTarget = 1.0 - smoothing + offTarget;
        for (int i = 0; i < n; i++) {
            int row = off + i * k;
            int label = labels[i];
            if (label < 0 || label >= k) {
                throw new IllegalArgumentException("label " + label + " at batch index " + i + " is outside [0, " + k + ")");
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, logits[row + j]);
            }
            double sumExp = 0;
            for (int j = 0; j < k; j++) {
                sumExp += Math.exp(logits[row + j] - max);
            }
            double logZ = max + Math.log(sumExp);
            double loss = 0;
            for (int j = 0; j < k; j++) {
                double logP = logits[row + j] - logZ;
                double target = j == label ? onTarget : offTarget;
                if (target != 0) {
                    // 0 * -inf would be NaN: a -inf logit off the label costs nothing without smoothing (as torch).
                    loss -= target * logP;
                }
                dLogits[dOff + i * k + j] = (float) ((Math.exp(logP) - target) / n);
            }
            total += loss;
        }
        return total / n;
    }
}
