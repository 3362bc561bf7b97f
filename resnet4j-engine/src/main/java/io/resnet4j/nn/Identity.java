package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/** Passes its input through. */
public final class Identity extends Module {
    @Override
    public Shape outputShape(Shape s) {
        return s;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        return gradOutput;
    }

    @Override
    public String toString() {
        return "Identity()";
    }
}
