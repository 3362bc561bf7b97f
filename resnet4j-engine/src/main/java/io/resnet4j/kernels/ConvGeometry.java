package io.resnet4j.kernels;

/**
 * The integer dimensions of one 2-D convolution (dilation 1, one group).
 *
 * <pre>
 * x: (n, c, h, w)      input, NCHW
 * w: (k, c, r, s)      weights, OIHW
 * y: (n, k, p, q)      output, p = (h + padTop + padBottom - r) / strideH + 1
 * </pre>
 */
public record ConvGeometry(int n, int c, int h, int w, int k, int r, int s,
                           int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight) {

    public ConvGeometry {
        if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || r < 1 || s < 1) {
            throw new IllegalArgumentException("convolution dimensions must be positive: " + describe(n, c, h, w, k, r, s));
        }
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("stride must be >= 1, got " + strideH + "x" + strideW);
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("padding must be >= 0");
        }
        if (h + padTop + padBottom < r || w + padLeft + padRight < s) {
            throw new IllegalArgumentException("kernel " + r + "x" + s + " is larger than the padded input "
                    + (h + padTop + padBottom) + "x" + (w + padLeft + padRight));
        }
        long elems = (long) n * Math.max((long) c * h * w, (long) k * outH(h, r, strideH, padTop, padBottom) * outW(w, s, strideW, padLeft, padRight));
        if (elems > Integer.MAX_VALUE || (long) k * c * r * s > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor too large for one float[]: " + describe(n, c, h, w, k, r, s));
        }
    }

    /** Square kernel, equal stride and padding on every side: the ResNet case. */
    public static ConvGeometry of(int n, int c, int h, int w, int k, int kernel, int stride, int pad) {
        return new ConvGeometry(n, c, h, w, k, kernel, kernel, stride, stride, pad, pad, pad, pad);
    }

    public int p() {
        return outH(h, r, strideH, padTop, padBottom);
    }

    public int q() {
        return outW(w, s, strideW, padLeft, padRight);
    }

    public int inputSize() {
        return n * c * h * w;
    }

    public int outputSize() {
        return n * k * p() * q();
    }

    public int weightSize() {
        return k * c * r * s;
    }

    /** Multiply-adds of the forward pass (each of backward-data and backward-weight costs the same). */
    public long macs() {
        return (long) n * k * p() * q() * c * r * s;
    }

    public ConvGeometry withBatch(int batch) {
        return new ConvGeometry(batch, c, h, w, k, r, s, strideH, strideW, padTop, padLeft, padBottom, padRight);
    }

    private static int outH(int h, int r, int stride, int p0, int p1) {
        return (h + p0 + p1 - r) / stride + 1;
    }

    private static int outW(int w, int s, int stride, int p0, int p1) {
        return (w + p0 + p1 - s) / stride + 1;
    }

    private static String describe(int n, int c, int h, int w, int k, int r, int s) {
        return "x=(" + n + "," + c + "," + h + "," + w + ") w=(" + k + "," + c + "," + r + "," + s + ")";
    }
}
