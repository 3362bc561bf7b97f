package io.resnet4j.kernels.scalar;

import io.resnet4j.kernels.ShortcutOps;

/** The reference option-A shortcut. */
public final class ScalarShortcut implements ShortcutOps {
    public static final ScalarShortcut INSTANCE = new ScalarShortcut();

    private ScalarShortcut() {
    }

    @Override
    public void forward(int n, int c, int h, int w, int k, int stride, float[] x, int xOff, float[] y, int yOff) {
        int p = (h + stride - 1) / stride, q = (w + stride - 1) / stride, lo = (k - c) / 2;
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < k; o++) {
                int j = o - lo;
                for (int a = 0; a < p; a++) {
                    for (int b = 0; b < q; b++) {
                        y[yOff + ((i * k + o) * p + a) * q + b] = j >= 0 && j < c
                                ? x[xOff + ((i * c + j) * h + a * stride) * w + b * stride] : 0f;
                    }
                }
            }
        }
    }

    @Override
    public void backward(int n, int c, int h, int w, int k, int stride, float[] dy, int dyOff, float[] dx, int dxOff) {
        int p = (h + stride - 1) / stride, q = (w + stride - 1) / stride, lo = (k - c) / 2;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                for (int hy = 0; hy < h; hy++) {
                    for (int wx = 0; wx < w; wx++) {
                        dx[dxOff + ((i * c + j) * h + hy) * w + wx] = hy % stride == 0 && wx % stride == 0
                                ? dy[dyOff + ((i * k + j + lo) * p + hy / stride) * q + wx / stride] : 0f;
                    }
                }
            }
        }
    }
}
