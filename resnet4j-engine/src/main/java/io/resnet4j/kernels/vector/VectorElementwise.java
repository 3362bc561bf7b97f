package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.ElementwiseOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static io.resnet4j.kernels.vector.Simd.F;
import static io.resnet4j.kernels.vector.Simd.LANES;

/**
 * Vector API twin of {@link io.resnet4j.kernels.scalar.ScalarElementwise}. Every kernel except
 * {@link #biasBackward} does one float operation per element exactly as the reference, so the results are
 * bitwise equal to it (NaN and -0 included). biasBackward over planes (hw > 1) sums in float vector runs
 * combined in double ({@link LaneMath#CHUNK}) and agrees with the double reference to ~1e-6 of the sum of
 * magnitudes; over rows (hw = 1, Linear) it is the reference's loop.
 *
 * <p>Flat kernels are cut into blocks of {@link #BLOCK} floats, one pool task per group of blocks
 * ({@link Split}); the per-channel kernels split over planes or channels.
 */
public final class VectorElementwise implements ElementwiseOps {
    public static final VectorElementwise INSTANCE = new VectorElementwise();

    /** Flat kernels: elements per block, the unit of the task split. */
    static final int BLOCK = 4096;

    private VectorElementwise() {
    }

    // ---- y = max(x, 0); NaN stays NaN and -0 stays -0, as (v < 0 ? 0 : v) ----

    @Override
    public void relu(int len, float[] x, int xOff, float[] y, int yOff) {
        int blocks = blocks(len), grain = Split.grain(blocks, BLOCK);
        if (grain >= blocks) {
            relu(0, len, x, xOff, y, yOff);
        } else {
            Split.Args a = Split.args();
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = y;
            a.o1 = yOff;
            a.i0 = len;
            Split.run(blocks, grain, a, (s, b0, b1) -> relu(b0 * BLOCK, Math.min(s.i0, b1 * BLOCK), s.x0, s.o0, s.x1, s.o1));
        }
    }

    private static void relu(int from, int to, float[] x, int xOff, float[] y, int yOff) {
        FloatVector zero = FloatVector.zero(F);
        int e = from;
        for (; e <= to - LANES; e += LANES) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + e);
            v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoArray(y, yOff + e);
        }
        for (; e < to; e++) {
            float v = x[xOff + e];
            y[yOff + e] = v < 0f ? 0f : v;
        }
    }

    // ---- dx = y > 0 ? dy : 0 (dx may alias dy) ----

    @Override
    public void reluBackward(int len, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        int blocks = blocks(len), grain = Split.grain(blocks, BLOCK);
        if (grain >= blocks) {
            reluBackward(0, len, y, yOff, dy, dyOff, dx, dxOff);
        } else {
            Split.Args a = Split.args();
            a.x0 = y;
            a.o0 = yOff;
            a.x1 = dy;
            a.o1 = dyOff;
            a.x2 = dx;
            a.o2 = dxOff;
            a.i0 = len;
            Split.run(blocks, grain, a, (s, b0, b1) ->
                    reluBackward(b0 * BLOCK, Math.min(s.i0, b1 * BLOCK), s.x0, s.o0, s.x1, s.o1, s.x2, s.o2));
        }
    }

    private static void reluBackward(int from, int to, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff) {
        FloatVector zero = FloatVector.zero(F);
        int e = from;
        for (; e <= to - LANES; e += LANES) {
            FloatVector out = FloatVector.fromArray(F, y, yOff + e);
            zero.blend(FloatVector.fromArray(F, dy, dyOff + e), out.compare(VectorOperators.GT, 0f))
                    .intoArray(dx, dxOff + e);
        }
        for (; e < to; e++) {
            dx[dxOff + e] = y[yOff + e] > 0f ? dy[dyOff + e] : 0f;
        }
    }

    // ---- y = a + b, y = max(a + b, 0), y += x ----

    @Override
    public void add(int len, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff) {
        sum(len, a, aOff, b, bOff, y, yOff, false);
    }

    @Override
    public void addRelu(int len, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff) {
        sum(len, a, aOff, b, bOff, y, yOff, true);
    }

    @Override
    public void accumulate(int len, float[] x, int xOff, float[] y, int yOff) {
        sum(len, y, yOff, x, xOff, y, yOff, false);
    }

    private static void sum(int len, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, boolean relu) {
        int blocks = blocks(len), grain = Split.grain(blocks, BLOCK);
        if (grain >= blocks) {
            sum(0, len, a, aOff, b, bOff, y, yOff, relu);
        } else {
            Split.Args s = Split.args();
            s.x0 = a;
            s.o0 = aOff;
            s.x1 = b;
            s.o1 = bOff;
            s.x2 = y;
            s.o2 = yOff;
            s.i0 = len;
            s.flag = relu;
            Split.run(blocks, grain, s, (t, b0, b1) ->
                    sum(b0 * BLOCK, Math.min(t.i0, b1 * BLOCK), t.x0, t.o0, t.x1, t.o1, t.x2, t.o2, t.flag));
        }
    }

    private static void sum(int from, int to, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff, boolean relu) {
        int e = from;
        if (relu) {
            FloatVector zero = FloatVector.zero(F);
            for (; e <= to - LANES; e += LANES) {
                FloatVector v = FloatVector.fromArray(F, a, aOff + e).add(FloatVector.fromArray(F, b, bOff + e));
                v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoArray(y, yOff + e);
            }
            for (; e < to; e++) {
                float v = a[aOff + e] + b[bOff + e];
                y[yOff + e] = v < 0f ? 0f : v;
            }
        } else {
            for (; e <= to - LANES; e += LANES) {
                FloatVector.fromArray(F, a, aOff + e).add(FloatVector.fromArray(F, b, bOff + e)).intoArray(y, yOff + e);
            }
            for (; e < to; e++) {
                y[yOff + e] = a[aOff + e] + b[bOff + e];
            }
        }
    }

    private static int blocks(int len) {
        return (len + BLOCK - 1) / BLOCK;
    }

    // ---- x (n, c, hw): x[i, j, :] += bias[j] ----

    @Override
    public void addBias(int n, int c, int hw, float[] x, int xOff, float[] bias, int biasOff) {
        if (hw == 1) {
            // Linear's (n, c): vectorise along the channels of each row.
            for (int i = 0; i < n; i++) {
                sum(0, c, x, xOff + i * c, bias, biasOff, x, xOff + i * c, false);
            }
            return;
        }
        int planes = n * c, grain = Split.grain(planes, hw);
        if (grain >= planes) {
            addBias(0, planes, c, hw, x, xOff, bias, biasOff);
        } else {
            Split.Args a = Split.args();
            a.i0 = c;
            a.i1 = hw;
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = bias;
            a.o1 = biasOff;
            Split.run(planes, grain, a, (s, p0, p1) -> addBias(p0, p1, s.i0, s.i1, s.x0, s.o0, s.x1, s.o1));
        }
    }

    private static void addBias(int p0, int p1, int c, int hw, float[] x, int xOff, float[] bias, int biasOff) {
        for (int plane = p0; plane < p1; plane++) {
            float b = bias[biasOff + plane % c];
            FloatVector bv = FloatVector.broadcast(F, b);
            int base = xOff + plane * hw, e = 0;
            for (; e <= hw - LANES; e += LANES) {
                FloatVector.fromArray(F, x, base + e).add(bv).intoArray(x, base + e);
            }
            for (; e < hw; e++) {
                x[base + e] += b;
            }
        }
    }

    // ---- dBias[j] += sum of dy[:, j, :] over (n, hw) ----

    @Override
    public void biasBackward(int n, int c, int hw, float[] dy, int dyOff, float[] dBias, int dBiasOff) {
        if (hw == 1) {
            biasBackwardRows(n, c, dy, dyOff, dBias, dBiasOff);
            return;
        }
        int grain = Split.grain(c, (long) n * hw);
        if (grain >= c) {
            biasBackward(0, c, n, c, hw, dy, dyOff, dBias, dBiasOff);
        } else {
            Split.Args a = Split.args();
            a.i0 = n;
            a.i1 = c;
            a.i2 = hw;
            a.x0 = dy;
            a.o0 = dyOff;
            a.x1 = dBias;
            a.o1 = dBiasOff;
            Split.run(c, grain, a, (s, j0, j1) -> biasBackward(j0, j1, s.i0, s.i1, s.i2, s.x0, s.o0, s.x1, s.o1));
        }
    }

    private static void biasBackward(int j0, int j1, int n, int c, int hw, float[] dy, int dyOff, float[] dBias, int dBiasOff) {
        for (int j = j0; j < j1; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                int base = dyOff + (i * c + j) * hw;
                s += LaneMath.sum(dy, base, base + hw);
            }
            dBias[dBiasOff + j] += (float) s;
        }
    }

    /**
     * dy (n, c) summed over the rows in double, as the reference (bitwise equal): Linear's bias, a few
     * hundred thousand adds next to a GEMM of n * c * in multiply-adds.
     */
    private static void biasBackwardRows(int n, int c, float[] dy, int dyOff, float[] dBias, int dBiasOff) {
        for (int j = 0; j < c; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += dy[dyOff + i * c + j];
            }
            dBias[dBiasOff + j] += (float) s;
        }
    }
}
