package io.resnet4j.nn;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.PreparedConv;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * An inference-only {@link Linear} (see {@link Inference#freeze}): {@code y = x W^T + b}, x (N, in). Linear's GEMM
 * gathers W^T's panels on every call, which dominated its cost at batch 1 (ResNet-50's fc: 2.6 ms). Here up to
 * GEMV_ROWS rows stream W packed once for GemmOps.gemvBias; larger batches run as a 1x1
 * convolution of (N, in, 1, 1) with its weights prepared once (ConvOps.prepare, on the first such batch). Both
 * give Linear's sums in the same order. It owns copies of its weights: a snapshot.
 */
public final class FusedLinear extends Module {
    private final int in, out;
    /** Batches up to this many rows take the GEMV. */
    static final int GEMV_ROWS = 4;
    /** (out, in) and (out). */
    private final Tensor weight, bias;
    /** W packed for the GEMV (GemmOps.packGemv). */
    private final float[] packed;
    private PreparedConv prepared;
    /** The 1x1 convolution of the last batch size, and its output shape. */
    private ConvGeometry geometry;
    private Shape outShape;

    /** weight (out, in) and bias (out) are copied. */
    public FusedLinear(int in, int out, Tensor weight, Tensor bias) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("FusedLinear(" + in + ", " + out + "): sizes must be positive");
        }
        if (!weight.shape().equals(Shape.of(out, in)) || !bias.shape().equals(Shape.of(out))) {
            throw new IllegalArgumentException("FusedLinear expects weight (" + out + ", " + in + ") and bias (" + out
                    + "), got " + weight.shape() + " and " + bias.shape());
        }
        this.in = in;
        this.out = out;
        this.weight = new Tensor(weight.shape());
        this.weight.copyFrom(weight);
        this.packed = Kernels.GEMM.packGemv(out, in, this.weight.data(), 0);
        this.bias = new Tensor(bias.shape());
        this.bias.copyFrom(bias);
        this.training = false;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    /** Bytes of the prepared weights currently held: the GEMV's, and the convolution's once a large batch ran. */
    public long preparedBytes() {
        return 4L * packed.length + (prepared == null ? 0 : prepared.bytes());
    }

    @Override
    public void train(boolean on) {
        Inference.refuseTraining(on);
        super.train(false);
    }

    @Override
    public Shape outputShape(Shape s) {
        if (s.rank() != 2 || s.dim(1) != in) {
            throw new IllegalArgumentException("FusedLinear expects an (N, " + in + ") input, got " + s);
        }
        return Shape.of(s.n(), out);
    }

    @Override
    public long ownMacs(Shape s) {
        return (long) outputShape(s).n() * in * out;
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape xs = x.shape();
        if (geometry == null || geometry.n() != xs.n() || xs.rank() != 2 || xs.dim(1) != in) {
            outShape = outputShape(xs);
            // (N, in) is (N, in, 1, 1) in NCHW: the same floats
            geometry = ConvGeometry.of(xs.n(), in, 1, 1, out, 1, 1, 0);
        }
        Tensor output = newOutput(outShape, x);
        if (xs.n() <= GEMV_ROWS) {
            Kernels.GEMM.gemvBias(xs.n(), out, in, x.data(), 0, packed, bias.data(), 0, output.data(), 0);
            return output;
        }
        ConvGeometry g = geometry;
        if (prepared == null) {
            prepared = Kernels.CONV.prepare(g, weight.data(), 0);
        }
        Kernels.CONV.forward(g, x.data(), 0, prepared, bias.data(), 0, false, output.data(), 0);
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        throw new UnsupportedOperationException("FusedLinear is inference-only (a frozen model has no backward pass)");
    }

    @Override
    public String toString() {
        return "FusedLinear(in_features=" + in + ", out_features=" + out + ")";
    }
}
