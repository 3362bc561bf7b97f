package io.resnet4j.kernels;

/**
 * Batch normalisation over NCHW data viewed as x (n, c, hw); per-channel vectors have length c.
 *
 * <pre>
 * train: mean_c, var_c = batch mean and biased variance over (n, hw)
 *        y = gamma_c * (x - mean_c) / sqrt(var_c + eps) + beta_c
 * eval:  the same with the running statistics
 * </pre>
 * Reductions run per channel in a fixed order (double accumulators), so results do not depend on
 * the thread count.
 */
public interface NormOps {
    /** Writes y and the batch statistics saveMean (c) and saveVar (c, biased). */
    void forwardTrain(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                      float[] gamma, float[] beta, float eps, float[] saveMean, float[] saveVar);

    /** Writes y using the running statistics. */
    void forwardEval(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                     float[] gamma, float[] beta, float[] runMean, float[] runVar, float eps);

    /**
     * Backward of {@link #forwardTrain} (or of {@link #forwardEval} when mean and var are the running
     * statistics and {@code batchStats} is false). dx is overwritten; dGamma and dBeta are accumulated.
     * dx may be dy itself (same array and offset).
     */
    void backward(int n, int c, int hw, float[] x, int xOff, float[] dy, int dyOff,
                  float[] gamma, float[] mean, float[] var, float eps, boolean batchStats,
                  float[] dx, int dxOff, float[] dGamma, float[] dBeta);

    // ---- Batch norm fused with the ReLU that follows it in every ResNet block (conv-BN-ReLU). ----
    // The defaults are the reference: the unfused kernel, then ReLU as ElementwiseOps.relu (v < 0 ? 0 : v, NaN
    // and -0 kept). Implementations may fuse the passes but must give bitwise the same result as their own
    // unfused kernels followed by that ReLU.
    //
    // reluConsts (RELU_CONSTS * c floats, or null) is the fused kernels' own scratch between a forward and its
    // backward: a fused forward may record there the per-channel constants of its normalisation, and backwardRelu,
    // given the array that forward filled (same implementation, same x), may then recompute the mask y > 0 from x
    // bitwise instead of reading y (one stream less). Callers keep the array and never read it; the defaults
    // ignore it.

    /** Floats per channel of reluConsts. */
    int RELU_CONSTS = 3;

    /** {@link #forwardTrain} followed by y = max(y, 0); the statistics are those of the normalisation. */
    default void forwardTrainRelu(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                                  float[] gamma, float[] beta, float eps, float[] saveMean, float[] saveVar,
                                  float[] reluConsts) {
        forwardTrain(n, c, hw, x, xOff, y, yOff, gamma, beta, eps, saveMean, saveVar);
        reluInPlace(n * c * hw, y, yOff);
    }

    /** {@link #forwardEval} followed by y = max(y, 0). */
    default void forwardEvalRelu(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                                 float[] gamma, float[] beta, float[] runMean, float[] runVar, float eps,
                                 float[] reluConsts) {
        forwardEval(n, c, hw, x, xOff, y, yOff, gamma, beta, runMean, runVar, eps);
        reluInPlace(n * c * hw, y, yOff);
    }

    /**
     * Backward of {@link #forwardTrainRelu} / {@link #forwardEvalRelu}, given their input x, output y (n, c, hw)
     * and reluConsts (see above): {@link #backward} applied to dy masked by y > 0 (ElementwiseOps.reluBackward's
     * rule). dx is overwritten (it may be dy itself); dGamma and dBeta are accumulated.
     */
    default void backwardRelu(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff, float[] reluConsts,
                              float[] dy, int dyOff, float[] gamma, float[] mean, float[] var, float eps,
                              boolean batchStats, float[] dx, int dxOff, float[] dGamma, float[] dBeta) {
        for (int e = 0, len = n * c * hw; e < len; e++) {
            dx[dxOff + e] = y[yOff + e] > 0f ? dy[dyOff + e] : 0f;
        }
        backward(n, c, hw, x, xOff, dx, dxOff, gamma, mean, var, eps, batchStats, dx, dxOff, dGamma, dBeta);
    }

    // ---- Batch norm fused with the residual add and the ReLU that end a residual unit: y = max(BN(x) + r, 0). ----
    // The defaults are the reference: the unfused kernel into y, then y + r and ReLU as ElementwiseOps.addRelu
    // (the sum in float, v < 0 ? 0 : v). Implementations may fuse the passes (BN(x) is then never stored) but must
    // give bitwise the same y. y must not overlap x or r. Backward: the unit's ReLU mask comes from y, then
    // backward as after forwardTrain / forwardEval (the statistics are those of the normalisation).

    /** {@link #forwardTrain} of x, plus r (n, c, hw), then ReLU, into y. */
    default void forwardTrainAddRelu(int n, int c, int hw, float[] x, int xOff, float[] r, int rOff, float[] y,
                                     int yOff, float[] gamma, float[] beta, float eps, float[] saveMean, float[] saveVar) {
        forwardTrain(n, c, hw, x, xOff, y, yOff, gamma, beta, eps, saveMean, saveVar);
        addReluInPlace(n * c * hw, y, yOff, r, rOff);
    }

    /** {@link #forwardEval} of x, plus r (n, c, hw), then ReLU, into y. */
    default void forwardEvalAddRelu(int n, int c, int hw, float[] x, int xOff, float[] r, int rOff, float[] y,
                                    int yOff, float[] gamma, float[] beta, float[] runMean, float[] runVar, float eps) {
        forwardEval(n, c, hw, x, xOff, y, yOff, gamma, beta, runMean, runVar, eps);
        addReluInPlace(n * c * hw, y, yOff, r, rOff);
    }

    private static void addReluInPlace(int len, float[] y, int yOff, float[] r, int rOff) {
        for (int e = 0; e < len; e++) {
            float v = y[yOff + e] + r[rOff + e];
            y[yOff + e] = v < 0f ? 0f : v;
        }
    }

    private static void reluInPlace(int len, float[] y, int yOff) {
        for (int e = yOff; e < yOff + len; e++) {
            if (y[e] < 0f) {
                y[e] = 0f;
            }
        }
    }
}
