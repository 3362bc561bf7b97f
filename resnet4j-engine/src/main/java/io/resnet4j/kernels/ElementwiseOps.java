package io.resnet4j.kernels;

/** Element-wise kernels on flat ranges of {@code len} floats, and the per-channel bias. */
public interface ElementwiseOps {
    /** y = max(x, 0). */
    void relu(int len, float[] x, int xOff, float[] y, int yOff);

    /** dx = y > 0 ? dy : 0, where y is the ReLU's output (dx may alias dy). */
    void reluBackward(int len, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff);

    /** y = a + b. */
    void add(int len, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff);

    /** y = max(a + b, 0): the residual join of a basic block. */
    void addRelu(int len, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff);

    /** y += x. */
    void accumulate(int len, float[] x, int xOff, float[] y, int yOff);

    /** x (n, c, hw): x[i, j, :] += bias[j]. */
    void addBias(int n, int c, int hw, float[] x, int xOff, float[] bias, int biasOff);

    /** dBias[j] += sum of dy[:, j, :] over (n, hw), dy (n, c, hw). */
    void biasBackward(int n, int c, int hw, float[] dy, int dyOff, float[] dBias, int dBiasOff);
}
