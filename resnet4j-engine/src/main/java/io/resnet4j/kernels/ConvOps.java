package io.resnet4j.kernels;

/**
 * 2-D convolution, forward and both backward passes, on the layouts of {@link ConvGeometry}:
 * x (n, c, h, w), w (k, c, r, s), y (n, k, p, q). No bias: it is a separate per-channel add.
 */
public interface ConvOps {
    /** y = conv(x, w); y is overwritten. */
    void forward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] y, int yOff);

    /** dx = conv_transpose(dy, w); dx (n, c, h, w) is overwritten. */
    void backwardData(ConvGeometry g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff);

    /** dw += correlation of x with dy summed over the batch; dw (k, c, r, s) is accumulated into. */
    void backwardWeight(ConvGeometry g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff);
}
