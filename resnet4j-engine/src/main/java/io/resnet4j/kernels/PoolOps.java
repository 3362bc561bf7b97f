package io.resnet4j.kernels;

/** Max, average and global average pooling on NCHW planes; see {@link PoolGeometry}. */
public interface PoolOps {
    /**
     * y (n, c, p, q) = window max; argmax (n, c, p, q) receives the winner's index h*w-plane offset (null: values
     * only, for inference, bitwise the same).
     */
    void maxForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff, int[] argmax);

    /** dx (n, c, h, w) is overwritten: each dy goes to its window's winner. */
    void maxBackward(PoolGeometry g, float[] dy, int dyOff, int[] argmax, float[] dx, int dxOff);

    /** y (n, c, p, q) = window mean. */
    void avgForward(PoolGeometry g, float[] x, int xOff, float[] y, int yOff);

    /** dx (n, c, h, w) is overwritten. */
    void avgBackward(PoolGeometry g, float[] dy, int dyOff, float[] dx, int dxOff);

    /** x (planes, hw) -> y (planes): the mean of each plane. */
    void globalAvgForward(int planes, int hw, float[] x, int xOff, float[] y, int yOff);

    /** dy (planes) -> dx (planes, hw) = dy / hw, overwritten. */
    void globalAvgBackward(int planes, int hw, float[] dy, int dyOff, float[] dx, int dxOff);
}
