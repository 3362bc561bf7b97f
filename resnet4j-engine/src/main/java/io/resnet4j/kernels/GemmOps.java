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
}
