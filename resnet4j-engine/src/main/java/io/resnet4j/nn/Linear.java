package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * y = x W^T + b with x (N, in), W (out, in), b (out): torch.nn.Linear. Initialisation: PyTorch's default,
 * W and b uniform in [-1/sqrt(in), 1/sqrt(in)] (kaiming_uniform with a = sqrt(5) gives that bound).
 */
public final class Linear extends Module {
    private final int in, out;
    private final Parameter weight, bias;
    private Tensor input, output;
    private Shape inputShape, outShape;

    public Linear(int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Linear(" + in + ", " + out + "): sizes must be positive");
        }
        this.in = in;
        this.out = out;
        this.weight = register("weight", new Parameter(Shape.of(out, in), Parameter.Kind.WEIGHT));
        this.bias = register("bias", new Parameter(Shape.of(out), Parameter.Kind.BIAS));
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    @Override
    protected void resetParameters(SplittableRandom rng) {
        double bound = 1.0 / Math.sqrt(in);
        for (float[] a : new float[][] {weight.value().data(), bias.value().data()}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
        }
    }

    @Override
    public Shape outputShape(Shape s) {
        if (s.rank() != 2 || s.dim(1) != in) {
            throw new IllegalArgumentException("Linear expects an (N, " + in + ") input, got " + s);
        }
        return Shape.of(s.n(), out);
    }

    @Override
    public long ownMacs(Shape s) {
        return (long) s.n() * in * out;
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape xs = x.shape();
        if (!xs.equals(inputShape)) {
            outShape = outputShape(xs);
            inputShape = xs;
        }
        output = newOutput(outShape);
        int n = xs.n();
        Kernels.GEMM.sgemm(false, true, n, out, in, x.data(), 0, in, weight.value().data(), 0, in,
                output.data(), 0, out, false);
        Kernels.ELEMENTWISE.addBias(n, out, 1, output.data(), 0, bias.value().data(), 0);
        input = training ? x : null;
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(input, gradOutput, output == null ? null : output.shape());
        int n = input.shape().n();
        float[] dy = gradOutput.data();
        // dW (out, in) += dy^T (out, n) . x (n, in)
        Kernels.GEMM.sgemm(true, false, out, in, n, dy, 0, out, input.data(), 0, in, weight.grad().data(), 0, in, true);
        Kernels.ELEMENTWISE.biasBackward(n, out, 1, dy, 0, bias.grad().data(), 0);
        Tensor gradInput = newGradient(input.shape(), gradOutput);
        // dx (n, in) = dy (n, out) . W (out, in)
        Kernels.GEMM.sgemm(false, false, n, in, out, dy, 0, out, weight.value().data(), 0, in, gradInput.data(), 0, in, false);
        return gradInput;
    }

    @Override
    public String toString() {
        return "Linear(in_features=" + in + ", out_features=" + out + ", bias=True)";
    }
}
