package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/** A trainable tensor and its gradient (accumulated by backward, cleared by {@link #zeroGrad}). */
public final class Parameter {
    /** What a parameter is, so that an optimiser can treat kinds differently (e.g. no weight decay on norms). */
    public enum Kind { WEIGHT, BIAS, NORM_SCALE, NORM_SHIFT }

    private final Tensor value;
    private final Tensor grad;
    private final Kind kind;

    public Parameter(Shape shape, Kind kind) {
        this.value = new Tensor(shape);
        this.grad = new Tensor(shape);
        this.kind = kind;
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return grad;
    }

    public Kind kind() {
        return kind;
    }

    public Shape shape() {
        return value.shape();
    }

    public void zeroGrad() {
        grad.fill(0f);
    }
}
