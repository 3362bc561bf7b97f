package io.resnet4j.onnx;

import io.resnet4j.nn.Module;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * Softmax over one axis (opset 13), or over all dimensions from the axis on (opsets 1 to 12, which view the
 * input as a 2-D matrix). The input is viewed as (outer, len, inner) and each (outer, inner) line is
 * normalised after subtracting its maximum.
 */
final class SoftmaxOp extends Module {
    private final int axis;
    private final boolean coerce2d;
    private Tensor output, gradInput;
    private boolean saved;

    SoftmaxOp(int axis, boolean coerce2d) {
        this.axis = axis;
        this.coerce2d = coerce2d;
    }

    @Override
    public Shape outputShape(Shape s) {
        int a = axis < 0 ? axis + s.rank() : axis;
        if (a < 0 || a >= s.rank()) {
            throw new IllegalArgumentException("Softmax axis " + axis + " outside an input of rank " + s.rank());
        }
        return s;
    }

    /** {outer, len, inner} for the input shape. */
    private int[] split(Shape s) {
        outputShape(s);
        int a = axis < 0 ? axis + s.rank() : axis;
        int outer = 1, len = 1, inner = 1;
        for (int i = 0; i < s.rank(); i++) {
            if (i < a) {
                outer *= s.dim(i);
            } else if (i == a || coerce2d) {
                len *= s.dim(i);
            } else {
                inner *= s.dim(i);
            }
        }
        return new int[] {outer, len, inner};
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] d = split(x.shape());
        int outer = d[0], len = d[1], inner = d[2];
        output = reuse(output, x.shape());
        float[] xs = x.data(), y = output.data();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    max = Math.max(max, xs[base + j * inner]);
                }
                double sum = 0;
                for (int j = 0; j < len; j++) {
                    float e = (float) Math.exp(xs[base + j * inner] - max);
                    y[base + j * inner] = e;
                    sum += e;
                }
                for (int j = 0; j < len; j++) {
                    y[base + j * inner] = (float) (y[base + j * inner] / sum);
                }
            }
        }
        saved = training;
        return output;
    }

    /** dx = y * (dy - sum_j dy_j y_j) along the softmax axis. */
    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(saved ? output : null, gradOutput, output.shape());
        int[] d = split(output.shape());
        int outer = d[0], len = d[1], inner = d[2];
        gradInput = reuse(gradInput, output.shape());
        float[] y = output.data(), dy = gradOutput.data(), dx = gradInput.data();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                double dot = 0;
                for (int j = 0; j < len; j++) {
                    dot += (double) dy[base + j * inner] * y[base + j * inner];
                }
                for (int j = 0; j < len; j++) {
                    int k = base + j * inner;
                    dx[k] = (float) (y[k] * (dy[k] - dot));
                }
            }
        }
        return gradInput;
    }

    @Override
    public String toString() {
        return "Softmax(axis=" + axis + (coerce2d ? ", 2-D" : "") + ")";
    }
}
