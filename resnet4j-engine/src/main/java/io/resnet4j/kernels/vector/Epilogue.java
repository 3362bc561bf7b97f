package io.resnet4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The fused epilogue of an inference convolution (ConvOps.forward with prepared weights), applied to output
 * rows while they are still in cache: y += bias of the row's channel (when there is a bias), then ReLU by
 * ElementwiseOps.relu's rule (negative values become 0; NaN and -0 stay), so that the result is bitwise that
 * of the separate addBias and relu passes.
 */
final class Epilogue {
    private Epilogue() {
    }

    /** y[off, off + len) += b (when addBias), then ReLU (when relu). */
    static void run(float[] y, int off, int len, boolean addBias, float b, boolean relu) {
        FloatVector zero = FloatVector.zero(Simd.F);
        int e = off, end = off + len;
        for (; e <= end - Simd.LANES; e += Simd.LANES) {
            FloatVector v = FloatVector.fromArray(Simd.F, y, e);
            if (addBias) {
                v = v.add(b);
            }
            if (relu) {
                v = v.blend(zero, v.compare(VectorOperators.LT, 0f));
            }
            v.intoArray(y, e);
        }
        for (; e < end; e++) {
            float v = addBias ? y[e] + b : y[e];
            y[e] = relu && v < 0f ? 0f : v;
        }
    }
}
