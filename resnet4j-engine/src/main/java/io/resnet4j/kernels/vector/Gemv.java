package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * y (n, m) = x (n, k) . w^T + bias (m) for a few rows (GemmOps.gemvBias), w (m, k) packed once into panels of
 * COLS outputs:
 * <pre>
 * wp (panels, k, COLS): wp[(pn * k + c) * COLS + t] = w[pn * COLS + t, c], zero past m
 * </pre>
 * so that a tile streams its panel sequentially. Tasks: blocks of panels. Each tile is 4 rows x 2 vectors of
 * outputs in 8 registers, x broadcast; each element is a chain of fused multiply-adds over k in ascending order
 * from 0, then + bias: the GEMM micro-kernel's sequence, so the result is bitwise sgemm's followed by the bias.
 */
final class Gemv implements Parallel.Task {
    private static final VectorSpecies<Float> F = Simd.F;
    static final int L = Simd.LANES, COLS = 2 * L, ROWS = 4;
    /** Panels of one task (1000 outputs: 8 tasks on AVX2). */
    private static final int TASK_PANELS = 8;

    private float[] x, wp, bias, y;
    private int n, m, k, xOff, biasOff, yOff;

    static long packedSize(int m, int k) {
        return (long) (m + COLS - 1) / COLS * COLS * k;
    }

    /** w (m, k) in the layout above: the GEMM's packed A (Packing.PackA) with micro-panels of COLS rows. */
    static float[] pack(int m, int k, float[] w, int wOff) {
        float[] wp = new float[Math.toIntExact(packedSize(m, k))];
        new Packing.PackA().pack(false, m, k, w, wOff, k, COLS, wp);
        return wp;
    }

    void execute(int n, int m, int k, float[] x, int xOff, float[] wp, float[] bias, int biasOff, float[] y, int yOff) {
        this.n = n;
        this.m = m;
        this.k = k;
        this.x = x;
        this.xOff = xOff;
        this.wp = wp;
        this.bias = bias;
        this.biasOff = biasOff;
        this.y = y;
        this.yOff = yOff;
        int panels = (m + COLS - 1) / COLS;
        try {
            Parallel.forEach((panels + TASK_PANELS - 1) / TASK_PANELS, this);
        } finally {
            this.x = null;
            this.wp = null;
            this.bias = null;
            this.y = null;
        }
    }

    @Override
    public void run(int task) {
        int panels = (m + COLS - 1) / COLS, p0 = task * TASK_PANELS, p1 = Math.min(panels, p0 + TASK_PANELS);
        float[] line = null;
        for (int r0 = 0; r0 < n; r0 += ROWS) {
            int rows = Math.min(ROWS, n - r0);
            for (int pn = p0; pn < p1; pn++) {
                int j = pn * COLS;
                if (j + COLS <= m) {
                    tile(r0, rows, pn, y, yOff + r0 * m + j, m, bias, biasOff + j);
                } else {
                    // the last panel's columns past m are computed (zero weights) into scratch rows, not stored; its
                    // bias, zero-padded, after them
                    if (line == null) {
                        Workspace ws = Workspace.get();
                        line = ws.tile = Workspace.grow(ws.tile, (long) (ROWS + 1) * COLS);
                    }
                    java.util.Arrays.fill(line, ROWS * COLS, (ROWS + 1) * COLS, 0f);
                    System.arraycopy(bias, biasOff + j, line, ROWS * COLS, m - j);
                    tile(r0, rows, pn, line, 0, COLS, line, ROWS * COLS);
                    for (int i = 0; i < rows; i++) {
                        System.arraycopy(line, i * COLS, y, yOff + (r0 + i) * m + j, m - j);
                    }
                }
            }
        }
    }

    /**
     * Rows [r0, r0 + rows) of x (rows past the last repeat it; their sums are not stored) by panel pn, plus the
     * bias at b[bOff, + COLS), into out at row i: out[at + i * ld, + COLS).
     */
    private void tile(int r0, int rows, int pn, float[] out, int at, int ld, float[] b, int bOff) {
        int x0 = xOff + r0 * k, x1 = xOff + (r0 + Math.min(1, rows - 1)) * k;
        int x2 = xOff + (r0 + Math.min(2, rows - 1)) * k, x3 = xOff + (r0 + Math.min(3, rows - 1)) * k;
        int base = pn * k * COLS;
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        for (int c = 0; c < k; c++) {
            int wi = base + c * COLS;
            FloatVector w0 = FloatVector.fromArray(F, wp, wi);
            FloatVector w1 = FloatVector.fromArray(F, wp, wi + L);
            FloatVector v = FloatVector.broadcast(F, x[x0 + c]);
            a0 = v.fma(w0, a0);
            b0 = v.fma(w1, b0);
            v = FloatVector.broadcast(F, x[x1 + c]);
            a1 = v.fma(w0, a1);
            b1 = v.fma(w1, b1);
            v = FloatVector.broadcast(F, x[x2 + c]);
            a2 = v.fma(w0, a2);
            b2 = v.fma(w1, b2);
            v = FloatVector.broadcast(F, x[x3 + c]);
            a3 = v.fma(w0, a3);
            b3 = v.fma(w1, b3);
        }
        FloatVector bl = FloatVector.fromArray(F, b, bOff), bh = FloatVector.fromArray(F, b, bOff + L);
        a0.add(bl).intoArray(out, at);
        b0.add(bh).intoArray(out, at + L);
        if (rows > 1) {
            a1.add(bl).intoArray(out, at + ld);
            b1.add(bh).intoArray(out, at + ld + L);
        }
        if (rows > 2) {
            a2.add(bl).intoArray(out, at + 2 * ld);
            b2.add(bh).intoArray(out, at + 2 * ld + L);
        }
        if (rows > 3) {
            a3.add(bl).intoArray(out, at + 3 * ld);
            b3.add(bh).intoArray(out, at + 3 * ld + L);
        }
    }
}
