package io.resnet4j.kernels.scalar;

import io.resnet4j.kernels.ElementwiseOps;

/** The reference element-wise kernels. */
public final class ScalarElementwise implements ElementwiseOps {
    public static final ScalarElementwise INSTANCE = new ScalarElementwise();

    private ScalarElementwise() {
    }

    @Override
    public void relu(int len, float[] x, int xOff, float[] y, int yOff) {
        for (int e = 0; e < len; e++) {
            float v = x[xOff + e];
            // NaN stays NaN, as torch.relu does.
            y[yOff + e] = v < 0f ? 0f : v;
        }
    }

    @Override
    public void reluBackward(int len, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int e = 0; e < len; e++) {
            dx[dxOff + e] = y[yOff + e] > 0f ? dy[dyOff + e] : 0f;
        }
    }

    @Override
    public void add(int len, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff) {
        for (int e = 0; e < len; e++) {
            y[yOff + e] = a[aOff + e] + b[bOff + e];
        }
    }

    @Override
    public void addRelu(int len, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff) {
        for (int e = 0; e < len; e++) {
            float v = a[aOff + e] + b[bOff + e];
            y[yOff + e] = v < 0f ? 0f : v;
        }
    }

    @Override
    public void accumulate(int len, float[] x, int xOff, float[] y, int yOff) {
        for (int e = 0; e < len; e++) {
            y[yOff + e] += x[xOff + e];
        }
    }

    @Override
    public void addBias(int n, int c, int hw, float[] x, int xOff, float[] bias, int biasOff) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                float b = bias[biasOff + j];
                int base = xOff + (i * c + j) * hw;
                for (int e = 0; e < hw; e++) {
                    x[base + e] += b;
                }
            }
        }
    }

    @Override
    public void biasBackward(int n, int c, int hw, float[] dy, int dyOff, float[] dBias, int dBiasOff) {
        for (int j = 0; j < c; j++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int base = dyOff + (i * c + j) * hw;
                for (int e = 0; e < hw; e++) {
                    sum += dy[base + e];
                }
            }
            dBias[dBiasOff + j] += (float) sum;
        }
    }
}
