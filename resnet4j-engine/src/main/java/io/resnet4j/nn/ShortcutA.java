package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * Option A of He et al. 2015: a parameter-free shortcut for units that change shape, the identity on a
 * stride-s subsample with the new channels zero-padded (see {@link io.resnet4j.kernels.ShortcutOps}).
 */
public final class ShortcutA extends Module {
    private final int in, out, stride;
    private Tensor output;
    private Shape inputShape, outShape;

    public ShortcutA(int in, int out, int stride) {
        if (in < 1 || out < in || stride < 1) {
            throw new IllegalArgumentException("ShortcutA(" + in + ", " + out + ", stride " + stride + "): out >= in >= 1 and stride >= 1 required");
        }
        this.in = in;
        this.out = out;
        this.stride = stride;
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    public int stride() {
        return stride;
    }

    @Override
    public Shape outputShape(Shape s) {
        requireRank4(s, "ShortcutA");
        if (s.c() != in) {
            throw new IllegalArgumentException("ShortcutA expects " + in + " channels, got " + s);
        }
        return Shape.of(s.n(), out, (s.h() + stride - 1) / stride, (s.w() + stride - 1) / stride);
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape s = x.shape();
        if (!s.equals(inputShape)) {
            outShape = outputShape(s);
        }
        output = newOutput(outShape, x);
        Kernels.SHORTCUT.forward(s.n(), in, s.h(), s.w(), out, stride, x.data(), 0, output.data(), 0);
        inputShape = s;
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(inputShape, gradOutput, output == null ? null : output.shape());
        Shape s = inputShape;
        Tensor gradInput = newGradient(s, gradOutput);
        Kernels.SHORTCUT.backward(s.n(), in, s.h(), s.w(), out, stride, gradOutput.data(), 0, gradInput.data(), 0);
        return gradInput;
    }

    @Override
    public String toString() {
        return "ShortcutA(" + in + " -> " + out + ", stride=" + stride + ")";
    }
}
