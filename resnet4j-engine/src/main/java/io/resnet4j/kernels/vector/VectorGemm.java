package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.GemmOps;

/**
 * Packed, cache-blocked, register-tiled, multi-threaded matrix multiply on the Vector API
 * (see {@link GemmDriver} for the blocking and {@link MicroKernel} for the tile).
 * <pre>
 * C (m, n) = op(A) (m, k) . op(B) (k, n)   [+ C when accumulate]
 * </pre>
 * Every C element is reduced over k in ascending order (in k blocks, each continuing the previous sum) by
 * one task; the task split depends only on the shape, so results do not depend on the thread count.
 */
public final class VectorGemm implements GemmOps {
    public static final VectorGemm INSTANCE = new VectorGemm(Tuning.DEFAULT);

    private final Tuning tuning;
    private final MicroKernel kernel;

    VectorGemm(Tuning tuning) {
        this.tuning = tuning;
        this.kernel = tuning.kernel();
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm dimensions must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        Workspace ws = Workspace.get();
        int mr = kernel.mr;
        int panels = (m + mr - 1) / mr;
        float[] ap = ws.packedA = Workspace.grow(ws.packedA, (long) panels * mr * k);
        ws.packA.pack(transA, m, k, a, aOff, lda, mr, ap);
        GemmDriver.MatrixGemm g = ws.gemm;
        g.m = m;
        g.n = n;
        g.kdim = k;
        g.accumulate = accumulate;
        g.ap = ap;
        g.c = c;
        g.cOff = cOff;
        g.ldc = ldc;
        g.cCols = n;
        g.cImgStride = 0;
        g.set(b, bOff, ldb, transB);
        g.plan(tuning);
        try {
            g.execute();
        } finally {
            g.clear();
        }
    }

    @Override
    public float[] packGemv(int m, int k, float[] w, int wOff) {
        return Gemv.pack(m, k, w, wOff);
    }

    @Override
    public void gemvBias(int n, int m, int k, float[] x, int xOff, float[] packed, float[] bias, int biasOff, float[] y,
                         int yOff) {
        if (n < 0 || m < 0 || k < 0) {
            throw new IllegalArgumentException("gemvBias dimensions must be >= 0, got n=" + n + " m=" + m + " k=" + k);
        }
        if (packed.length < Gemv.packedSize(m, k)) {
            throw new IllegalArgumentException("gemvBias: " + packed.length + " packed floats for m=" + m + " k=" + k);
        }
        if (n == 0 || m == 0) {
            return;
        }
        Workspace.get().gemv.execute(n, m, k, x, xOff, packed, bias, biasOff, y, yOff);
    }

    @Override
    public String toString() {
        return "VectorGemm(" + kernel + ")";
    }
}
