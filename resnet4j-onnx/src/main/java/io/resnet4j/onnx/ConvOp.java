package io.resnet4j.onnx;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * ONNX Conv in the generality the engine's kernels have and {@link io.resnet4j.nn.Conv2d} does not expose:
 * a kh x kw kernel, separate strides, four paddings (dilation 1, one group). Weight (k, c, kh, kw), optional
 * bias (k). The importer uses Conv2d whenever the convolution is square and symmetric.
 */
final class ConvOp extends Module {
    private final int in, out, kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight;
    private final Parameter weight, bias;
    private ConvGeometry geometry;
    private Tensor input, output, gradInput;

    ConvOp(int in, int out, int kh, int kw, int strideH, int strideW, int[] pads, boolean hasBias) {
        this.in = in;
        this.out = out;
        this.kh = kh;
        this.kw = kw;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padTop = pads[0];
        this.padLeft = pads[1];
        this.padBottom = pads[2];
        this.padRight = pads[3];
        this.weight = register("weight", new Parameter(Shape.of(out, in, kh, kw), Parameter.Kind.WEIGHT));
        this.bias = hasBias ? register("bias", new Parameter(Shape.of(out), Parameter.Kind.BIAS)) : null;
    }

    Parameter weight() {
        return weight;
    }

    Parameter bias() {
        return bias;
    }

    private ConvGeometry geometry(Shape s) {
        requireRank4(s, "Conv");
        if (s.c() != in) {
            throw new IllegalArgumentException("Conv expects " + in + " input channels, got " + s);
        }
        ConvGeometry g = geometry;
        if (g == null || g.n() != s.n() || g.h() != s.h() || g.w() != s.w()) {
            g = new ConvGeometry(s.n(), in, s.h(), s.w(), out, kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight);
        }
        return g;
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

    @Override
    public Tensor forward(Tensor x) {
        ConvGeometry g = geometry(x.shape());
        geometry = g;
        output = reuse(output, Shape.of(g.n(), g.k(), g.p(), g.q()));
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
        gradInput = reuse(gradInput, input.shape());
        Kernels.CONV.backwardData(g, gradOutput.data(), 0, weight.value().data(), 0, gradInput.data(), 0);
        return gradInput;
    }

    @Override
    public String toString() {
        return "Conv(" + in + ", " + out + ", kernel=" + kh + "x" + kw + ", stride=" + strideH + "x" + strideW
                + ", pads=[" + padTop + ", " + padLeft + ", " + padBottom + ", " + padRight + "]" + (bias == null ? ", bias=False" : "") + ")";
    }
}
