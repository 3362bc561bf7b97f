package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * Softmax cross-entropy averaged over the batch, with optional label smoothing
 * (torch.nn.CrossEntropyLoss(label_smoothing=...)). {@link #forward} also computes the gradient with respect
 * to the logits, which {@link #backward} returns.
 */
public final class CrossEntropyLoss {
    private final float labelSmoothing;
    private Tensor gradLogits;

    public CrossEntropyLoss() {
        this(0f);
    }

    public CrossEntropyLoss(float labelSmoothing) {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        this.labelSmoothing = labelSmoothing;
    }

    /** Mean loss of logits (N, K) against labels in [0, K). */
    public double forward(Tensor logits, int[] labels) {
        Shape s = logits.shape();
        if (s.rank() != 2) {
            throw new IllegalArgumentException("logits must be (N, K), got " + s);
        }
        if (labels.length < s.n()) {
            throw new IllegalArgumentException(s.n() + " logit rows but " + labels.length + " labels");
        }
        gradLogits = Module.reuse(gradLogits, s);
        return Kernels.LOSS.softmaxCrossEntropy(s.n(), s.dim(1), logits.data(), 0, labels, labelSmoothing, gradLogits.data(), 0);
    }

    /** d(mean loss) / d(logits) of the last forward. */
    public Tensor backward() {
        if (gradLogits == null) {
            throw new IllegalStateException("CrossEntropyLoss.backward called before forward");
        }
        return gradLogits;
    }
}
