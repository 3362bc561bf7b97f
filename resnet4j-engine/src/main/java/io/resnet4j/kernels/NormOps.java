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
     */
    void backward(int n, int c, int hw, float[] x, int xOff, float[] dy, int dyOff,
                  float[] gamma, float[] mean, float[] var, float eps, boolean batchStats,
                  float[] dx, int dxOff, float[] dGamma, float[] dBeta);
}
