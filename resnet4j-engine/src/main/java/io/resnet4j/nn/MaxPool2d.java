package io.resnet4j.nn;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.PoolGeometry;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/** Max pooling with a square window (the ImageNet stem uses kernel 3, stride 2, padding 1). */
public final class MaxPool2d extends Module {
    private final int kernel, stride, padding;
    /** A frozen model's pool (see Inference): no argmax indices, no backward pass. */
    private final boolean inferenceOnly;
    private PoolGeometry geometry;
    private Tensor output;
    private int[] argmax;
    private Shape inputShape, outShape;

    public MaxPool2d(int kernel, int stride, int padding) {
        this(kernel, stride, padding, false);
    }

    private MaxPool2d(int kernel, int stride, int padding, boolean inferenceOnly) {
        if (kernel < 1 || stride < 1 || padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException("MaxPool2d(kernel=" + kernel + ", stride=" + stride + ", padding=" + padding
                    + "): kernel, stride >= 1 and 0 <= padding <= kernel / 2 required");
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.inferenceOnly = inferenceOnly;
    }

    /** The pool of a frozen model: values only (the stem's pool at batch 1 without indices: see BENCHMARKS.md). */
    static MaxPool2d inferenceOnly(MaxPool2d p) {
        return new MaxPool2d(p.kernel, p.stride, p.padding, true);
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

    private PoolGeometry geometry(Shape s) {
        requireRank4(s, "MaxPool2d");
        return PoolGeometry.of(s.n(), s.c(), s.h(), s.w(), kernel, stride, padding);
    }

    @Override
    public Shape outputShape(Shape s) {
        PoolGeometry g = geometry(s);
        return Shape.of(g.n(), g.c(), g.p(), g.q());
    }

    @Override
    public long ownMacs(Shape s) {
        return outputShape(s).numel() * (long) kernel * kernel;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (geometry == null || !x.shape().equals(inputShape)) {
            // A new batch shape; the same shape reuses geometry and buffers without allocating.
            geometry = geometry(x.shape());
            inputShape = x.shape();
            outShape = Shape.of(geometry.n(), geometry.c(), geometry.p(), geometry.q());
        }
        output = newOutput(outShape, x);
        PoolGeometry g = geometry;
        if (inferenceOnly) {
            Kernels.POOL.maxForward(g, x.data(), 0, output.data(), 0, null);
            return output;
        }
        if (argmax == null || argmax.length != output.numel()) {
            argmax = new int[output.numel()];
        }
        Kernels.POOL.maxForward(g, x.data(), 0, output.data(), 0, argmax);
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        if (inferenceOnly) {
            throw new UnsupportedOperationException("this MaxPool2d is inference-only (a frozen model has no backward pass)");
        }
        requireForward(geometry, gradOutput, output == null ? null : output.shape());
        Tensor gradInput = newGradient(inputShape, gradOutput);
        Kernels.POOL.maxBackward(geometry, gradOutput.data(), 0, argmax, gradInput.data(), 0);
        return gradInput;
    }

    @Override
    public void train(boolean on) {
        if (inferenceOnly) {
            Inference.refuseTraining(on);
        }
        super.train(on);
    }

    @Override
    public String toString() {
        return "MaxPool2d(kernel_size=" + kernel + ", stride=" + stride + ", padding=" + padding + ")";
    }
}
