package io.resnet4j.kernels.scalar;

import io.resnet4j.kernels.PoolGeometry;
import io.resnet4j.kernels.PoolOps;

/** The reference pooling kernels, one thread. */
public final class ScalarPool implements PoolOps {
    public static final ScalarPool INSTANCE = new ScalarPool();

    private ScalarPool() {
    }

    @Override
    public void maxForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] argmax) {
        int p = g.p(), q = g.q(), planeIn = g.h() * g.w();
        for (int plane = 0; plane < g.n() * g.c(); plane++) {
            int xb = xOff + plane * planeIn;
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < q; b++) {
                    int h0 = Math.max(a * g.strideH() - g.padTop(), 0);
                    int w0 = Math.max(b * g.strideW() - g.padLeft(), 0);
                    int h1 = Math.min(a * g.strideH() - g.padTop() + g.kh(), g.h());
                    int w1 = Math.min(b * g.strideW() - g.padLeft() + g.kw(), g.w());
                    // PyTorch's rule: start at the window's first in-bounds cell, take a strictly larger value or a NaN.
                    float best = Float.NEGATIVE_INFINITY;
                    int bestIdx = h0 * g.w() + w0;
                    for (int hy = h0; hy < h1; hy++) {
                        for (int wx = w0; wx < w1; wx++) {
                            float val = x[xb + hy * g.w() + wx];
                            if (val > best || Float.isNaN(val)) {
                                best = val;
                                bestIdx = hy * g.w() + wx;
                            }
                        }
                    }
                    int o = (plane * p + a) * q + b;
                    y[yOff + o] = best;
                    if (argmax != null) {
                        argmax[o] = bestIdx;
                    }
                }
            }
        }
    }

    @Override
    public void maxBackward(PoolGeometry g, float[] dy, int dyOff, int[] argmax, float[] dx, int dxOff) {
        int p = g.p(), q = g.q(), planeIn = g.h() * g.w(), planeOut = p * q;
        java.util.Arrays.fill(dx, dxOff, dxOff + g.inputSize(), 0f);
        for (int plane = 0; plane < g.n() * g.c(); plane++) {
            for (int e = 0; e < planeOut; e++) {
                int o = plane * planeOut + e;
                dx[dxOff + plane * planeIn + argmax[o]] += dy[dyOff + o];
            }
        }
    }

    @Override
    public void avgForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff) {
        int p = g.p(), q = g.q(), planeIn = g.h() * g.w();
        for (int plane = 0; plane < g.n() * g.c(); plane++) {
            int xb = xOff + plane * planeIn;
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < q; b++) {
                    double sum = 0;
                    for (int u = 0; u < g.kh(); u++) {
                        int hy = a * g.strideH() - g.padTop() + u;
                        for (int v = 0; v < g.kw(); v++) {
                            int wx = b * g.strideW() - g.padLeft() + v;
                            if (hy >= 0 && hy < g.h() && wx >= 0 && wx < g.w()) {
                                sum += x[xb + hy * g.w() + wx];
                            }
                        }
                    }
                    y[yOff + (plane * p + a) * q + b] = (float) (sum / divisor(g, a, b));
                }
            }
        }
    }

    @Override
    public void avgBackward(PoolGeometry g, float[] dy, int dyOff, float[] dx, int dxOff) {
        int p = g.p(), q = g.q(), planeIn = g.h() * g.w();
        java.util.Arrays.fill(dx, dxOff, dxOff + g.inputSize(), 0f);
        for (int plane = 0; plane < g.n() * g.c(); plane++) {
            int xb = dxOff + plane * planeIn;
            for (int a = 0; a < p; a++) {
                for (int b = 0; b < q; b++) {
                    float d = (float) (dy[dyOff + (plane * p + a) * q + b] / divisor(g, a, b));
                    for (int u = 0; u < g.kh(); u++) {
                        int hy = a * g.strideH() - g.padTop() + u;
                        for (int v = 0; v < g.kw(); v++) {
                            int wx = b * g.strideW() - g.padLeft() + v;
                            if (hy >= 0 && hy < g.h() && wx >= 0 && wx < g.w()) {
                                dx[xb + hy * g.w() + wx] += d;
                            }
                        }
                    }
                }
            }
        }
    }

    /** Window size for output (a, b): clipped to the padded input, and to the input when padding does not count. */
    static int divisor(PoolGeometry g, int a, int b) {
        int h0 = a * g.strideH() - g.padTop(), w0 = b * g.strideW() - g.padLeft();
        int h1 = Math.min(h0 + g.kh(), g.h() + g.padBottom()), w1 = Math.min(w0 + g.kw(), g.w() + g.padRight());
        if (!g.countIncludePad()) {
            h0 = Math.max(h0, 0);
            w0 = Math.max(w0, 0);
            h1 = Math.min(h1, g.h());
            w1 = Math.min(w1, g.w());
        }
        return (h1 - h0) * (w1 - w0);
    }

    @Override
    public void globalAvgForward(int planes, int hw, float[] x, int xOff, float[] y, int yOff) {
        for (int plane = 0; plane < planes; plane++) {
            double sum = 0;
            for (int e = 0; e < hw; e++) {
                sum += x[xOff + plane * hw + e];
            }
            y[yOff + plane] = (float) (sum / hw);
        }
    }

    @Override
    public void globalAvgBackward(int planes, int hw, float[] dy, int dyOff, float[] dx, int dxOff) {
        for (int plane = 0; plane < planes; plane++) {
            float d = dy[dyOff + plane] / hw;
            java.util.Arrays.fill(dx, dxOff + plane * hw, dxOff + (plane + 1) * hw, d);
        }
    }
}
