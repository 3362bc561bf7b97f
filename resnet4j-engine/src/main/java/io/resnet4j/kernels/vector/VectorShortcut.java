package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.ShortcutOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

import java.util.Arrays;

import static io.resnet4j.kernels.vector.Simd.F;
import static io.resnet4j.kernels.vector.Simd.LANES;

/**
 * Vector API twin of {@link io.resnet4j.kernels.scalar.ScalarShortcut}, the option-A shortcut
 * x (n, c, h, w) -> y (n, k, p, q), p = ceil(h / s), q = ceil(w / s), channels padded by (k - c) / 2 in front.
 * Stride 1 copies planes; stride 2 keeps the even lanes of vector pairs (forward) and interleaves dy with
 * zeros (backward); other strides and row tails are scalar. Pure data movement: bitwise equal to the
 * reference. Planes are split into tasks by {@link Split}.
 */
public final class VectorShortcut implements ShortcutOps {
    public static final VectorShortcut INSTANCE = new VectorShortcut();

    /** Lanes 0, 0, 1, 1, ... and LANES/2, LANES/2, ...: each source lane twice, for the lower and upper result. */
    private static final VectorShuffle<Float> DUP_LO, DUP_HI;
    /** The odd lanes, which receive zero. */
    private static final VectorMask<Float> ODD;

    static {
        int[] lo = new int[LANES], hi = new int[LANES];
        boolean[] odd = new boolean[LANES];
        for (int l = 0; l < LANES; l++) {
            lo[l] = l / 2;
            hi[l] = LANES / 2 + l / 2;
            odd[l] = (l & 1) == 1;
        }
        DUP_LO = VectorShuffle.fromArray(F, lo, 0);
        DUP_HI = VectorShuffle.fromArray(F, hi, 0);
        ODD = VectorMask.fromArray(F, odd, 0);
    }

    private VectorShortcut() {
    }

    @Override
    public void forward(int n, int c, int h, int w, int k, int stride, float[] x, int xOff, float[] y, int yOff) {
        int p = (h + stride - 1) / stride, q = (w + stride - 1) / stride;
        int planes = n * k, grain = Split.grain(planes, (long) p * q);
        if (grain >= planes) {
            forward(0, planes, c, h, w, k, stride, x, xOff, y, yOff);
        } else {
            Split.Args a = Split.args();
            a.i0 = c;
            a.i1 = h;
            a.i2 = w;
            a.i3 = k;
            a.i4 = stride;
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = y;
            a.o1 = yOff;
            Split.run(planes, grain, a, (s, p0, p1) -> forward(p0, p1, s.i0, s.i1, s.i2, s.i3, s.i4, s.x0, s.o0, s.x1, s.o1));
        }
    }

    private static void forward(int p0, int p1, int c, int h, int w, int k, int s, float[] x, int xOff, float[] y, int yOff) {
        int p = (h + s - 1) / s, q = (w + s - 1) / s, lo = (k - c) / 2;
        for (int plane = p0; plane < p1; plane++) {
            int i = plane / k, j = plane % k - lo;
            int yb = yOff + plane * p * q;
            if (j < 0 || j >= c) {
                Arrays.fill(y, yb, yb + p * q, 0f);
                continue;
            }
            int xb = xOff + (i * c + j) * h * w;
            if (s == 1) {
                System.arraycopy(x, xb, y, yb, h * w);
                continue;
            }
            for (int a = 0; a < p; a++) {
                int src = xb + a * s * w, dst = yb + a * q;
                if (s == 2) {
                    evenColumns(x, src, w, y, dst);
                } else {
                    for (int b = 0; b < q; b++) {
                        y[dst + b] = x[src + b * s];
                    }
                }
            }
        }
    }

    @Override
    public void backward(int n, int c, int h, int w, int k, int stride, float[] dy, int dyOff, float[] dx, int dxOff) {
        int planes = n * c, grain = Split.grain(planes, (long) h * w);
        if (grain >= planes) {
            backward(0, planes, c, h, w, k, stride, dy, dyOff, dx, dxOff);
        } else {
            Split.Args a = Split.args();
            a.i0 = c;
            a.i1 = h;
            a.i2 = w;
            a.i3 = k;
            a.i4 = stride;
            a.x0 = dy;
            a.o0 = dyOff;
            a.x1 = dx;
            a.o1 = dxOff;
            Split.run(planes, grain, a, (s, p0, p1) -> backward(p0, p1, s.i0, s.i1, s.i2, s.i3, s.i4, s.x0, s.o0, s.x1, s.o1));
        }
    }

    private static void backward(int p0, int p1, int c, int h, int w, int k, int s, float[] dy, int dyOff, float[] dx, int dxOff) {
        int p = (h + s - 1) / s, q = (w + s - 1) / s, lo = (k - c) / 2;
        for (int plane = p0; plane < p1; plane++) {
            int i = plane / c, j = plane % c;
            int xb = dxOff + plane * h * w, gb = dyOff + (i * k + j + lo) * p * q;
            if (s == 1) {
                System.arraycopy(dy, gb, dx, xb, h * w);
                continue;
            }
            for (int hy = 0; hy < h; hy++) {
                int dst = xb + hy * w;
                if (hy % s != 0) {
                    Arrays.fill(dx, dst, dst + w, 0f);
                    continue;
                }
                int src = gb + (hy / s) * q;
                if (s == 2) {
                    spreadEven(dy, src, dx, dst, w);
                } else {
                    for (int wx = 0; wx < w; wx++) {
                        dx[dst + wx] = wx % s == 0 ? dy[src + wx / s] : 0f;
                    }
                }
            }
        }
    }

    /** y[dst + b] = x[src + 2b] for b < ceil(w / 2): a row of w columns subsampled. */
    private static void evenColumns(float[] x, int src, int w, float[] y, int dst) {
        int b = 0;
        // A block reads columns 2b .. 2b + 2 * LANES - 1 of the row.
        for (; 2 * b + 2 * LANES <= w; b += LANES) {
            LaneMath.evenLanes(x, src + 2 * b, y, dst + b);
        }
        for (int q = (w + 1) / 2; b < q; b++) {
            y[dst + b] = x[src + 2 * b];
        }
    }

    /** dx[dst + wx] = dy[src + wx / 2] for even wx < w, zero for odd wx. */
    private static void spreadEven(float[] dy, int src, float[] dx, int dst, int w) {
        FloatVector zero = FloatVector.zero(F);
        int b = 0;
        // LANES dy values fill dx columns 2b .. 2b + 2 * LANES - 1.
        for (; 2 * b + 2 * LANES <= w; b += LANES) {
            FloatVector g = FloatVector.fromArray(F, dy, src + b);
            g.rearrange(DUP_LO).blend(zero, ODD).intoArray(dx, dst + 2 * b);
            g.rearrange(DUP_HI).blend(zero, ODD).intoArray(dx, dst + 2 * b + LANES);
        }
        for (int wx = 2 * b; wx < w; wx++) {
            dx[dst + wx] = (wx & 1) == 0 ? dy[src + wx / 2] : 0f;
        }
    }
}
