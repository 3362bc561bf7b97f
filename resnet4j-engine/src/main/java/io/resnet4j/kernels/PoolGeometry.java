package io.resnet4j.kernels;

/**
 * The integer dimensions of one 2-D pooling window over every (n, c) plane.
 *
 * <pre>
 * x: (n, c, h, w)
 * y: (n, c, p, q)   p = (h + padTop + padBottom - kh) / strideH + 1 (floor mode)
 * </pre>
 * Padded positions never win a max and, for average pooling, count in the divisor only when
 * {@code countIncludePad} (PyTorch's default for AvgPool2d; ONNX's default is the opposite).
 */
public record PoolGeometry(int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                           int padTop, int padLeft, int padBottom, int padRight, boolean countIncludePad) {

    public PoolGeometry {
        if (n < 1 || c < 1 || h < 1 || w < 1 || kh < 1 || kw < 1 || strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("pooling dimensions must be positive");
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("padding must be >= 0");
        }
        if (padTop >= kh || padBottom >= kh || padLeft >= kw || padRight >= kw) {
            throw new IllegalArgumentException("padding must be smaller than the window " + kh + "x" + kw);
        }
        if (h + padTop + padBottom < kh || w + padLeft + padRight < kw) {
            throw new IllegalArgumentException("window " + kh + "x" + kw + " is larger than the padded input");
        }
    }

    /** Square window, equal stride and padding on every side (e.g. the ResNet stem's 3x3/2 pad 1). */
    public static PoolGeometry of(int n, int c, int h, int w, int kernel, int stride, int pad) {
        return new PoolGeometry(n, c, h, w, kernel, kernel, stride, stride, pad, pad, pad, pad, true);
    }

    public int p() {
        return (h + padTop + padBottom - kh) / strideH + 1;
    }

    public int q() {
        return (w + padLeft + padRight - kw) / strideW + 1;
    }

    public int inputSize() {
        return n * c * h * w;
    }

    public int outputSize() {
        return n * c * p() * q();
    }
}
