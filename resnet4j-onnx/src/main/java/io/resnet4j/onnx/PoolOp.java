package io.resnet4j.onnx;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.PoolGeometry;
import io.resnet4j.nn.Module;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

/**
 * ONNX MaxPool / AveragePool over NCHW: a kh x kw window, separate strides, four paddings (ceil mode is
 * expressed by the importer as extra bottom/right padding, which never wins a max and, without
 * count_include_pad, never counts in an average). The importer uses the engine's MaxPool2d when it fits.
 */
final class PoolOp extends Module {
    private final boolean max;
    private final int kh, kw, strideH, strideW;
    private final int[] pads;
    private final boolean countIncludePad;
    private PoolGeometry geometry;
    private Shape inputShape;
    private Tensor output, gradInput;
    private int[] argmax;

    PoolOp(boolean max, int kh, int kw, int strideH, int strideW, int[] pads, boolean countIncludePad) {
        this.max = max;
        this.kh = kh;
        this.kw = kw;
        this.strideH = strideH;
        this.strideW = strideW;
        this.pads = pads.clone();
        this.countIncludePad = countIncludePad;
    }

    private PoolGeometry geometry(Shape s) {
        requireRank4(s, max ? "MaxPool" : "AveragePool");
        return new PoolGeometry(s.n(), s.c(), s.h(), s.w(), kh, kw, strideH, strideW, pads[0], pads[1], pads[2], pads[3], countIncludePad);
    }

    @Override
    public Shape outputShape(Shape s) {
        PoolGeometry g = geometry(s);
        return Shape.of(g.n(), g.c(), g.p(), g.q());
    }

    @Override
    public long ownMacs(Shape s) {
        return outputShape(s).numel() * (long) kh * kw;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (geometry == null || !x.shape().equals(inputShape)) {
            geometry = geometry(x.shape());
            inputShape = x.shape();
        }
        PoolGeometry g = geometry;
        output = reuse(output, Shape.of(g.n(), g.c(), g.p(), g.q()));
        if (max) {
            if (argmax == null || argmax.length != output.numel()) {
                argmax = new int[output.numel()];
            }
            Kernels.POOL.maxForward(g, x.data(), 0, output.data(), 0, argmax);
        } else {
            Kernels.POOL.avgForward(g, x.data(), 0, output.data(), 0);
        }
        return output;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(geometry, gradOutput, output == null ? null : output.shape());
        gradInput = reuse(gradInput, inputShape);
        if (max) {
            Kernels.POOL.maxBackward(geometry, gradOutput.data(), 0, argmax, gradInput.data(), 0);
        } else {
            Kernels.POOL.avgBackward(geometry, gradOutput.data(), 0, gradInput.data(), 0);
        }
        return gradInput;
    }

    @Override
    public String toString() {
        return (max ? "MaxPool" : "AveragePool") + "(kernel=" + kh + "x" + kw + ", stride=" + strideH + "x" + strideW
                + ", pads=" + java.util.Arrays.toString(pads) + (max ? "" : ", count_include_pad=" + countIncludePad) + ")";
    }
}
