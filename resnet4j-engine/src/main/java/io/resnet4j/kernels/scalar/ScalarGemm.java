package io.resnet4j.kernels.scalar;

import io.resnet4j.kernels.GemmOps;

/** The reference matrix multiply: three loops, double accumulation, one thread. For tests, not for timing. */
public final class ScalarGemm implements GemmOps {
    public static final ScalarGemm INSTANCE = new ScalarGemm();

    private ScalarGemm() {
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = accumulate ? c[cOff + i * ldc + j] : 0.0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += (double) av * bv;
                }
                c[cOff + i * ldc + j] = (float) sum;
            }
        }
    }

    /** The reference keeps w as it is. */
    @Override
    public float[] packGemv(int m, int k, float[] w, int wOff) {
        return java.util.Arrays.copyOfRange(w, wOff, wOff + m * k);
    }

    @Override
    public void gemvBias(int n, int m, int k, float[] x, int xOff, float[] packed, float[] bias, int biasOff, float[] y,
                         int yOff) {
        sgemm(false, true, n, m, k, x, xOff, k, packed, 0, k, y, yOff, m, false);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                y[yOff + i * m + j] += bias[biasOff + j];
            }
        }
    }
}
