package io.resnet4j.onnx;

import io.resnet4j.nn.Module;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.util.Arrays;

/**
 * Reshape (target dims with ONNX's 0 = copy and -1 = infer) or Flatten (to 2-D at an axis), resolved for
 * each input shape, so a batch-independent target works for any batch size. A view: the data is shared.
 */
final class ReshapeOp extends Module {
    private final long[] target;
    private final int flattenAxis;
    private Tensor lastIn, lastOut, lastGradOut, lastGradIn;

    private ReshapeOp(long[] target, int flattenAxis) {
        this.target = target;
        this.flattenAxis = flattenAxis;
    }

    static ReshapeOp reshape(long[] target) {
        return new ReshapeOp(target.clone(), Integer.MIN_VALUE);
    }

    static ReshapeOp flatten(int axis) {
        return new ReshapeOp(null, axis);
    }

    static long[] resolve(long[] in, long[] target, String node) {
        long[] out = new long[target.length];
        int infer = -1;
        long known = 1, total = Const.numel(in);
        for (int i = 0; i < target.length; i++) {
            long d = target[i];
            if (d == 0) {
                if (i >= in.length) {
                    throw new OnnxException(node + ": Reshape copies dimension " + i + " of an input of rank " + in.length);
                }
                d = in[i];
            } else if (d == -1) {
                if (infer >= 0) {
                    throw new OnnxException(node + ": Reshape target " + Arrays.toString(target) + " has two -1");
                }
                infer = i;
                continue;
            } else if (d < -1) {
                throw new OnnxException(node + ": Reshape target " + Arrays.toString(target) + " has a negative dimension");
            }
            out[i] = d;
            known *= d;
        }
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw new OnnxException(node + ": cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
            }
            out[infer] = total / known;
        } else if (known != total) {
            throw new OnnxException(node + ": cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
        }
        return out;
    }

    static long[] flattenDims(long[] in, int axis) {
        int a = axis < 0 ? axis + in.length : axis;
        long outer = 1, inner = 1;
        for (int i = 0; i < in.length; i++) {
            if (i < a) {
                outer *= in[i];
            } else {
                inner *= in[i];
            }
        }
        return new long[] {outer, inner};
    }

    @Override
    public Shape outputShape(Shape s) {
        long[] in = Const.dimsOf(s);
        long[] out;
        try {
            out = target != null ? resolve(in, target, "Reshape") : flattenDims(in, flattenAxis);
        } catch (OnnxException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return Const.shape(out, "Reshape output");
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x != lastIn || !x.shape().equals(lastIn.shape())) {
            lastIn = x;
            lastOut = x.view(outputShape(x.shape()));
        }
        return lastOut;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        requireForward(lastIn, gradOutput, lastOut == null ? null : lastOut.shape());
        if (gradOutput != lastGradOut) {
            lastGradOut = gradOutput;
            lastGradIn = gradOutput.view(lastIn.shape());
        }
        return lastGradIn;
    }

    @Override
    public String toString() {
        return target != null ? "Reshape(" + Arrays.toString(target) + ")" : "Flatten(axis=" + flattenAxis + ")";
    }
}
