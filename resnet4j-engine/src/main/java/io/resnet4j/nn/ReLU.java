package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/** max(x, 0); its backward passes the gradient where the output is positive. */
public final class ReLU extends Module {
    private Tensor output;
    private boolean saved;

    @Override
    public Shape outputShape(Shape s) {
        return s;
    }

    @Override
    public Tensor forward(Tensor x) {
        output = newOutput(x.shape());
        Kernels.ELEMENTWISE.relu(x.numel(), x.data(), 0, output.data(), 0);
        saved = training;
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(saved ? output : null, gradOutput, output == null ? null : output.shape());
        Tensor gradInput = newGradient(output.shape(), gradOutput);
        Kernels.ELEMENTWISE.reluBackward(output.numel(), output.data(), 0, gradOutput.data(), 0, gradInput.data(), 0);
        return gradInput;
    }

    @Override
    public String toString() {
        return "ReLU()";
    }
}
