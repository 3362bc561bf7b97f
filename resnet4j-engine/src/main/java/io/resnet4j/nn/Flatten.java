package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/** (N, C, H, W) -> (N, C*H*W), sharing the data: a reshape, no copy. */
public final class Flatten extends Module {
    private Tensor lastIn, lastOut, lastGradOut, lastGradIn;

    @Override
    public Shape outputShape(Shape s) {
        return Shape.of(s.n(), s.perSample());
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x != lastIn) {
            lastIn = x;
            lastOut = x.view(outputShape(x.shape()));
        }
        return lastOut;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(lastIn, gradOutput, lastOut == null ? null : lastOut.shape());
        if (gradOutput != lastGradOut) {
            lastGradOut = gradOutput;
            lastGradIn = gradOutput.view(lastIn.shape());
        }
        return lastGradIn;
    }

    @Override
    public String toString() {
        return "Flatten()";
    }
}
