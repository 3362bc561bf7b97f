package io.resnet4j.nn;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * 2-D convolution, square kernel, equal stride and padding on every side (torch.nn.Conv2d without
 * dilation or groups). Weight (out, in, k, k); optional bias (out).
 * Initialisation: torchvision's ResNet rule, Kaiming normal with fan_out = out * k * k, std = sqrt(2 / fan_out);
 * a bias starts at zero.
 */
public final class Conv2d extends Module {
    private final int in, out, kernel, stride, padding;
    private final Parameter weight;
    private final Parameter bias;
    private ConvGeometry geometry;
    private Shape outShape;
    private Tensor input, output;

    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("Conv2d(in=" + in + ", out=" + out + ", kernel=" + kernel
                    + ", stride=" + stride + ", padding=" + padding + "): sizes must be positive, padding >= 0");
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight = register("weight", new Parameter(Shape.of(out, in, kernel, kernel), Parameter.Kind.WEIGHT));
        this.bias = bias ? register("bias", new Parameter(Shape.of(out), Parameter.Kind.BIAS)) : null;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    public int kernel() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    @Override
    protected void resetParameters(SplittableRandom rng) {
        double std = Math.sqrt(2.0 / ((double) out * kernel * kernel));
        float[] w = weight.value().data();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() * std);
        }
        if (bias != null) {
            bias.value().fill(0f);
        }
    }

    @Override
    public Shape outputShape(Shape s) {
        ConvGeometry g = geometry(s);
        return Shape.of(g.n(), g.k(), g.p(), g.q());
    }

    @Override
    public long ownMacs(Shape s) {
        return geometry(s).macs();
    }

    private ConvGeometry geometry(Shape s) {
        return geometry(geometry, s, "Conv2d", in, out, kernel, stride, padding);
    }

    /**
     * The geometry of a square convolution on input shape s: cached when s has its batch and size, else a new
     * one (also for FusedConv2d).
     */
    static ConvGeometry geometry(ConvGeometry cached, Shape s, String who, int in, int out, int kernel, int stride,
                                 int padding) {
        requireRank4(s, who);
        if (s.c() != in) {
            throw new IllegalArgumentException(who + " expects " + in + " input channels, got " + s);
        }
        if (cached == null || cached.n() != s.n() || cached.h() != s.h() || cached.w() != s.w()) {
            return ConvGeometry.of(s.n(), in, s.h(), s.w(), out, kernel, stride, padding);
        }
        return cached;
    }

    @Override
    public Tensor forward(Tensor x) {
        ConvGeometry g = geometry(x.shape());
        if (g != geometry) {
            // A new batch shape: new geometry and output shape; the same shape reuses both without allocating.
            geometry = g;
            outShape = Shape.of(g.n(), g.k(), g.p(), g.q());
        }
        output = newOutput(outShape);
        Kernels.CONV.forward(g, x.data(), 0, weight.value().data(), 0, output.data(), 0);
        if (bias != null) {
            Kernels.ELEMENTWISE.addBias(g.n(), g.k(), g.p() * g.q(), output.data(), 0, bias.value().data(), 0);
        }
        input = training ? x : null;
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(input, gradOutput, output == null ? null : output.shape());
        ConvGeometry g = geometry;
        Kernels.CONV.backwardWeight(g, input.data(), 0, gradOutput.data(), 0, weight.grad().data(), 0);
        if (bias != null) {
            Kernels.ELEMENTWISE.biasBackward(g.n(), g.k(), g.p() * g.q(), gradOutput.data(), 0, bias.grad().data(), 0);
        }
        if (!inputGradient()) {
            return null;
        }
        Tensor gradInput = newGradient(input.shape(), gradOutput);
        Kernels.CONV.backwardData(g, gradOutput.data(), 0, weight.value().data(), 0, gradInput.data(), 0);
        return gradInput;
    }

    @Override
    public String toString() {
        return "Conv2d(" + in + ", " + out + ", kernel_size=(" + kernel + ", " + kernel + "), stride=(" + stride + ", " + stride
                + "), padding=(" + padding + ", " + padding + ")" + (bias == null ? ", bias=False" : "") + ")";
    }
}
