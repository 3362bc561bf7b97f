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

    /**
     * The weights w (k, c, r, s) in the form {@link #forward(ConvGeometry, float[], int, PreparedConv, float[], int,
     * boolean, float[], int)} reads, for inputs of g's geometry at any batch size (a copy: w may change afterwards).
     */
    PreparedConv prepare(ConvGeometry g, float[] w, int wOff);

    /**
     * Inference forward with prepared weights and a fused epilogue: y = conv(x, w), then y[:, o] += bias[biasOff + o]
     * (bias null: none), then y = max(y, 0) when relu (ElementwiseOps.relu's rule: negative values become 0, NaN
     * and -0 stay). Equal to {@link #forward(ConvGeometry, float[], int, float[], int, float[], int)} followed by
     * ElementwiseOps.addBias and relu up to rounding, bitwise where both take the same path (an implementation may
     * take a faster one for prepared weights). w must come from this instance's prepare for g's geometry.
     */
    void forward(ConvGeometry g, float[] x, int xOff, PreparedConv w, float[] bias, int biasOff, boolean relu,
                 float[] y, int yOff);

    /**
     * The inference forward above onto a residual that y already holds: y = y + conv(x, w), then + bias, then ReLU
     * when relu; a residual unit's last convolution, its add and its ReLU in one pass over y. Equal to the forward
     * above into another buffer followed by ElementwiseOps.add (relu false) or addRelu, up to rounding: a path may
     * start each sum from the residual (y + conv + bias rounds differently from conv + bias + y).
     */
    void forwardAdd(ConvGeometry g, float[] x, int xOff, PreparedConv w, float[] bias, int biasOff, boolean relu,
                    float[] y, int yOff);
}
