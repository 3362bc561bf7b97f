package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/** (N, C, H, W) -> (N, C, 1, 1): the mean of each plane (torchvision's AdaptiveAvgPool2d((1, 1)), named avgpool). */
public final class GlobalAvgPool extends Module {
    private Tensor output;
    private Shape inputShape, outShape;

    @Override
    public Shape outputShape(Shape s) {
        requireRank4(s, "GlobalAvgPool");
        return Shape.of(s.n(), s.c(), 1, 1);
    }

    @Override
    public long ownMacs(Shape s) {
        return s.numel();
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape s = x.shape();
        if (!s.equals(inputShape)) {
            outShape = outputShape(s);
        }
        output = newOutput(outShape, x);
        Kernels.POOL.globalAvgForward(s.n() * s.c(), s.h() * s.w(), x.data(), 0, output.data(), 0);
        inputShape = s;
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(inputShape, gradOutput, output == null ? null : output.shape());
        Tensor gradInput = newGradient(inputShape, gradOutput);
        Kernels.POOL.globalAvgBackward(inputShape.n() * inputShape.c(), inputShape.h() * inputShape.w(),
                gradOutput.data(), 0, gradInput.data(), 0);
        return gradInput;
    }

    @Override
    public String toString() {
        return "AdaptiveAvgPool2d(output_size=(1, 1))";
    }
}
