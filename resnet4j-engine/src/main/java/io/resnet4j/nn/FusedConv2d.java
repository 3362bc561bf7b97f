package io.resnet4j.nn;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.PreparedConv;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * An inference-only convolution: {@code y = conv(x, w) + b}, then ReLU when {@code relu}, with a batch norm
 * that followed it folded into w and b (see {@link Inference#freeze}). The weights are packed or transformed
 * once per input size (ConvOps.prepare) and the bias and ReLU run on each finished output tile, so that a
 * forward pass touches each weight once and each output once. The forms of the last two input sizes are kept,
 * so that inputs alternating between two sizes (two test-time scales) do not prepare again on every call. It owns
 * copies of its weights: a snapshot.
 */
public final class FusedConv2d extends Module {
    private final int in, out, kernel, stride, padding;
    private final boolean relu;
    /** (out, in, kernel, kernel) and (out) or null. */
    private final Tensor weight, bias;
    private ConvGeometry geometry;
    private Shape outShape;
    /** The weights prepared for the last input size, and for the one before it (null: none yet). */
    private PreparedConv prepared, previous;

    /** weight (out, in, kernel, kernel) and bias (out, or null) are copied. */
    public FusedConv2d(int in, int out, int kernel, int stride, int padding, Tensor weight, Tensor bias, boolean relu) {
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("FusedConv2d(in=" + in + ", out=" + out + ", kernel=" + kernel
                    + ", stride=" + stride + ", padding=" + padding + "): sizes must be positive, padding >= 0");
        }
        Shape ws = Shape.of(out, in, kernel, kernel);
        if (!weight.shape().equals(ws) || bias != null && !bias.shape().equals(Shape.of(out))) {
            throw new IllegalArgumentException("FusedConv2d expects weight " + ws + " and bias (" + out + "), got "
                    + weight.shape() + " and " + (bias == null ? "none" : bias.shape()));
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.relu = relu;
        this.weight = new Tensor(ws);
        this.weight.copyFrom(weight);
        if (bias == null) {
            this.bias = null;
        } else {
            this.bias = new Tensor(Shape.of(out));
            this.bias.copyFrom(bias);
        }
        this.training = false;
    }

    /** A copy of the fused weights (out, in, kernel, kernel). */
    public Tensor weight() {
        Tensor t = new Tensor(weight.shape());
        t.copyFrom(weight);
        return t;
    }

    /** A copy of the fused bias (out), or null. */
    public Tensor bias() {
        if (bias == null) {
            return null;
        }
        Tensor t = new Tensor(bias.shape());
        t.copyFrom(bias);
        return t;
    }

    public boolean relu() {
        return relu;
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

    /** Bytes of the prepared weights currently held, for up to two input sizes (0 before the first forward). */
    public long preparedBytes() {
        return (prepared == null ? 0 : prepared.bytes()) + (previous == null ? 0 : previous.bytes());
    }

    /** The weights prepared for the last input size (tests: which form a call reused). */
    PreparedConv prepared() {
        return prepared;
    }

    @Override
    public void train(boolean on) {
        Inference.refuseTraining(on);
        super.train(false);
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
        return Conv2d.geometry(geometry, s, "FusedConv2d", in, out, kernel, stride, padding);
    }

    @Override
    public Tensor forward(Tensor x) {
        ConvGeometry g = prepareFor(x);
        Tensor output = newOutput(outShape, x);
        Kernels.CONV.forward(g, x.data(), 0, prepared, bias == null ? null : bias.data(), 0, relu, output.data(), 0);
        return output;
    }

    /**
     * A residual unit's last convolution, its add and its ReLU in one pass (ConvOps.forwardAdd): residual =
     * residual + conv(x) + b, then ReLU when reluAfter; returns residual, which must have this convolution's output
     * shape and not share x's buffer. Only for a convolution without its own ReLU (that would come before the add).
     */
    public Tensor forwardAdd(Tensor x, Tensor residual, boolean reluAfter) {
        if (relu) {
            throw new IllegalStateException(
                    "FusedConv2d.forwardAdd: this convolution applies its own ReLU before any add");
        }
        ConvGeometry g = prepareFor(x);
        if (!residual.shape().equals(outShape) || residual.data() == x.data()) {
            throw new IllegalArgumentException("FusedConv2d.forwardAdd: residual " + residual.shape() + " for output "
                    + outShape + (residual.data() == x.data() ? ", sharing the input's buffer" : ""));
        }
        Kernels.CONV.forwardAdd(g, x.data(), 0, prepared, bias == null ? null : bias.data(), 0, reluAfter,
                residual.data(), 0);
        return residual;
    }

    /** The geometry of x's shape, with the weights prepared for it. */
    private ConvGeometry prepareFor(Tensor x) {
        ConvGeometry g = geometry(x.shape());
        if (g != geometry) {
            geometry = g;
            outShape = Shape.of(g.n(), g.k(), g.p(), g.q());
        }
        if (prepared == null || !prepared.matches(g)) {
            // another input size: the packed or transformed form depends on it (e.g. Winograd for some widths only)
            PreparedConv other = previous != null && previous.matches(g) ? previous
                    : Kernels.CONV.prepare(g, weight.data(), 0);
            previous = prepared;
            prepared = other;
        }
        return g;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        throw new UnsupportedOperationException("FusedConv2d is inference-only (a frozen model has no backward pass)");
    }

    @Override
    public String toString() {
        return "FusedConv2d(" + in + ", " + out + ", kernel_size=(" + kernel + ", " + kernel + "), stride=(" + stride + ", "
                + stride + "), padding=(" + padding + ", " + padding + ")" + (bias == null ? ", bias=False" : "")
                + (relu ? ", relu" : "") + ")";
    }
}
