package io.resnet4j.kernels;

/**
 * Single-precision matrix multiply on row-major matrices.
 *
 * <pre>
 * C (m, n) = op(A) (m, k) . op(B) (k, n)   [+ C when accumulate]
 * op(A) = A (m, k), leading dimension lda, or A^T where A is stored (k, m) when transA
 * op(B) = B (k, n), leading dimension ldb, or B^T where B is stored (n, k) when transB
 * </pre>
 * Each element of C is reduced over k in ascending order by one thread, so the result does not
 * depend on the thread count.
 */
public interface GemmOps {
    void sgemm(boolean transA, boolean transB, int m, int n, int k,
               float[] a, int aOff, int lda,
               float[] b, int bOff, int ldb,
               float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * w (m, k), row-major, packed once for {@link #gemvBias} (the layout is the implementation's own): the weights of
     * a classifier with m outputs and k inputs.
     */
    float[] packGemv(int m, int k, float[] w, int wOff);

    /**
     * y (n, m) = x (n, k) . w^T + bias (m), w packed by {@link #packGemv}, for a few rows n (a batch-1 classifier:
     * each weight is streamed once per 4 rows). Each y element is x's products summed over k in ascending order, then
     * the bias: the same as sgemm(false, true, n, m, k, x, w) followed by adding the bias.
     */
    void gemvBias(int n, int m, int k, float[] x, int xOff, float[] packed, float[] bias, int biasOff, float[] y,
                  int yOff);
}
