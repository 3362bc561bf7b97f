package io.resnet4j.kernels.scalar;

import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.ConvOps;
import io.resnet4j.kernels.PreparedConv;

/**
 * The reference convolution: direct loops over the definition, double accumulation, one thread.
 * <pre>
 * y[i, o, a, b] = sum over (ch, u, v) of x[i, ch, a*sh - pt + u, b*sw - pl + v] * w[o, ch, u, v]
 * </pre>
 * Positions outside the input are the zero padding.
 */
public final class ScalarConv implements ConvOps {
    public static final ScalarConv INSTANCE = new ScalarConv();

    private ScalarConv() {
    }

    /** Prepared weights: a copy of w (k, c, r, s). */
    @Override
    public PreparedConv prepare(ConvGeometry g, float[] w, int wOff) {
        float[] copy = new float[g.weightSize()];
        System.arraycopy(w, wOff, copy, 0, copy.length);
        return new PreparedConv(this, g, 0, copy);
    }

    /** The reference: the forward into a buffer of its own, then y = y + (conv + bias), then ReLU. */
    @Override
    public void forwardAdd(ConvGeometry g, float[] x, int xOff, PreparedConv w, float[] bias, int biasOff, boolean relu,
                           float[] y, int yOff) {
        float[] branch = new float[g.outputSize()];
        forward(g, x, xOff, w, bias, biasOff, false, branch, 0);
        for (int e = 0; e < branch.length; e++) {
            float v = y[yOff + e] + branch[e];
            y[yOff + e] = relu && v < 0f ? 0f : v;
        }
    }

    @Override
    public void forward(ConvGeometry g, float[] x, int xOff, PreparedConv w, float[] bias, int biasOff, boolean relu,
                        float[] y, int yOff) {
        w.check(this, g);
        forward(g, x, xOff, w.data(), 0, y, yOff);
        int pq = g.p() * g.q();
        for (int i = 0; i < g.n(); i++) {
            for (int o = 0; o < g.k(); o++) {
                int base = yOff + (i * g.k() + o) * pq;
                for (int e = base; e < base + pq; e++) {
                    float v = bias == null ? y[e] : y[e] + bias[biasOff + o];
                    y[e] = relu && v < 0f ? 0f : v;
                }
            }
        }
    }

    @Override
    public void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] y, int yOff) {
        int p = g.p(), q = g.q();
        for (int i = 0; i < g.n(); i++) {
            for (int o = 0; o < g.k(); o++) {
                for (int a = 0; a < p; a++) {
                    for (int b = 0; b < q; b++) {
                        double sum = 0;
                        for (int ch = 0; ch < g.c(); ch++) {
                            for (int u = 0; u < g.r(); u++) {
                                int hy = a * g.strideH() - g.padTop() + u;
                                if (hy < 0 || hy >= g.h()) {
                                    continue;
                                }
                                for (int v = 0; v < g.s(); v++) {
                                    int wx = b * g.strideW() - g.padLeft() + v;
                                    if (wx < 0 || wx >= g.w()) {
                                        continue;
                                    }
                                    sum += (double) x[xOff + ((i * g.c() + ch) * g.h() + hy) * g.w() + wx]
                                            * w[wOff + ((o * g.c() + ch) * g.r() + u) * g.s() + v];
                                }
                            }
                        }
                        y[yOff + ((i * g.k() + o) * p + a) * q + b] = (float) sum;
                    }
                }
            }
        }
    }

    @Override
    public void backwardData(ConvGeometry g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        int p = g.p(), q = g.q();
        // Gather form: dx[i, ch, hy, wx] sums dy[i, o, a, b] * w[o, ch, u, v] over hy = a*sh - pt + u.
        for (int i = 0; i < g.n(); i++) {
            for (int ch = 0; ch < g.c(); ch++) {
                for (int hy = 0; hy < g.h(); hy++) {
                    for (int wx = 0; wx < g.w(); wx++) {
                        double sum = 0;
                        for (int o = 0; o < g.k(); o++) {
                            for (int u = 0; u < g.r(); u++) {
                                int ta = hy + g.padTop() - u;
                                if (ta < 0 || ta % g.strideH() != 0 || ta / g.strideH() >= p) {
                                    continue;
                                }
                                int a = ta / g.strideH();
                                for (int v = 0; v < g.s(); v++) {
                                    int tb = wx + g.padLeft() - v;
                                    if (tb < 0 || tb % g.strideW() != 0 || tb / g.strideW() >= q) {
                                        continue;
                                    }
                                    int b = tb / g.strideW();
                                    sum += (double) dy[dyOff + ((i * g.k() + o) * p + a) * q + b]
                                            * w[wOff + ((o * g.c() + ch) * g.r() + u) * g.s() + v];
                                }
                            }
                        }
                        dx[dxOff + ((i * g.c() + ch) * g.h() + hy) * g.w() + wx] = (float) sum;
                    }
                }
            }
        }
    }

    @Override
    public void backwardWeight(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        int p = g.p(), q = g.q();
        for (int o = 0; o < g.k(); o++) {
            for (int ch = 0; ch < g.c(); ch++) {
                for (int u = 0; u < g.r(); u++) {
                    for (int v = 0; v < g.s(); v++) {
                        double sum = 0;
                        for (int i = 0; i < g.n(); i++) {
                            for (int a = 0; a < p; a++) {
                                int hy = a * g.strideH() - g.padTop() + u;
                                if (hy < 0 || hy >= g.h()) {
                                    continue;
                                }
                                for (int b = 0; b < q; b++) {
                                    int wx = b * g.strideW() - g.padLeft() + v;
                                    if (wx < 0 || wx >= g.w()) {
                                        continue;
                                    }
                                    sum += (double) x[xOff + ((i * g.c() + ch) * g.h() + hy) * g.w() + wx]
                                            * dy[dyOff + ((i * g.k() + o) * p + a) * q + b];
                                }
                            }
                        }
                        dw[dwOff + ((o * g.c() + ch) * g.r() + u) * g.s() + v] += (float) sum;
                    }
                }
            }
        }
    }
}
