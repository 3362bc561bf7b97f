package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/** max(x, 0); its backward passes the gradient where the output is positive. */
public final class ReLU extends Module {
    private Tensor output;
    private boolean saved, adopted;

    @Override
    public Shape outputShape(Shape s) {
        return s;
    }

    /**
     * The output of a batch norm that applied this ReLU itself (BatchNorm2d.forwardRelu, see Sequential): kept
     * as this module's output; its backward is then the batch norm's (BatchNorm2d.backwardRelu).
     */
    Tensor adopt(Tensor y) {
        output = y;
        saved = training;
        adopted = true;
        return y;
    }

    /** True when the last forward was {@link #adopt}ed from a fused batch norm. */
    boolean adopted() {
        return adopted;
    }

    @Override
    public Tensor forward(Tensor x) {
        adopted = false;
        output = newOutput(x.shape(), x);
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
