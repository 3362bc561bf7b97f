package io.resnet4j.kernels;

/** Softmax cross-entropy over logits (n, k), the mean over the batch, PyTorch's definition. */
public interface LossOps {
    /**
     * Returns the mean loss and writes dLogits (n, k) = (softmax(logits) - target) / n, where target is
     * (1 - smoothing) on the label plus smoothing / k on every class. Labels must lie in [0, k).
     */
    double softmaxCrossEntropy(int n, int k, float[] logits, int off, int[] labels, float smoothing,
                               float[] dLogits, int dOff);
}
