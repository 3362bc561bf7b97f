package io.resnet4j.kernels.scalar;

import io.resnet4j.kernels.NormOps;

/** The reference batch norm: two passes per channel with double accumulators, one thread. */
public final class ScalarNorm implements NormOps {
    public static final ScalarNorm INSTANCE = new ScalarNorm();

    private ScalarNorm() {
    }

    @Override
    public void forwardTrain(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                             float[] gamma, float[] beta, float eps, float[] saveMean, float[] saveVar) {
        double count = (double) n * hw;
        for (int j = 0; j < c; j++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int base = xOff + (i * c + j) * hw;
                for (int e = 0; e < hw; e++) {
                    sum += x[base + e];
                }
            }
            double mean = sum / count;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                int base = xOff + (i * c + j) * hw;
                for (int e = 0; e < hw; e++) {
                    double d = x[base + e] - mean;
                    sq += d * d;
                }
            }
            double var = sq / count;
            saveMean[j] = (float) mean;
            saveVar[j] = (float) var;
            normalise(n, c, hw, j, x, xOff, y, yOff, gamma[j], beta[j], mean, 1.0 / Math.sqrt(var + eps));
        }
    }

    @Override
    public void forwardEval(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                            float[] gamma, float[] beta, float[] runMean, float[] runVar, float eps) {
        for (int j = 0; j < c; j++) {
            normalise(n, c, hw, j, x, xOff, y, yOff, gamma[j], beta[j], runMean[j], 1.0 / Math.sqrt(runVar[j] + (double) eps));
        }
    }

    private static void normalise(int n, int c, int hw, int j, float[] x, int xOff, float[] y, int yOff,
                                  float gamma, float beta, double mean, double invStd) {
        for (int i = 0; i < n; i++) {
            int xb = xOff + (i * c + j) * hw;
            int yb = yOff + (i * c + j) * hw;
            for (int e = 0; e < hw; e++) {
                y[yb + e] = (float) (gamma * (x[xb + e] - mean) * invStd + beta);
            }
        }
    }

    @Override
    public void backward(int n, int c, int hw, float[] x, int xOff, float[] dy, int dyOff,
                         float[] gamma, float[] mean, float[] var, float eps, boolean batchStats,
                         float[] dx, int dxOff, float[] dGamma, float[] dBeta) {
        double count = (double) n * hw;
        for (int j = 0; j < c; j++) {
            double mu = mean[j];
            double invStd = 1.0 / Math.sqrt(var[j] + (double) eps);
            double sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < n; i++) {
                int b = (i * c + j) * hw;
                for (int e = 0; e < hw; e++) {
                    double d = dy[dyOff + b + e];
                    sumDy += d;
                    sumDyXhat += d * (x[xOff + b + e] - mu) * invStd;
                }
            }
            dGamma[j] += (float) sumDyXhat;
            dBeta[j] += (float) sumDy;
            double scale = gamma[j] * invStd;
            for (int i = 0; i < n; i++) {
                int b = (i * c + j) * hw;
                for (int e = 0; e < hw; e++) {
                    double d = dy[dyOff + b + e];
                    if (batchStats) {
                        double xhat = (x[xOff + b + e] - mu) * invStd;
                        d = d - sumDy / count - xhat * sumDyXhat / count;
                    }
                    dx[dxOff + b + e] = (float) (scale * d);
                }
            }
        }
    }
}
