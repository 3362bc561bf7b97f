package io.resnet4j.kernels;

/**
 * The option-A shortcut of He et al. 2015 (the CIFAR nets): identity on a stride-s subsample, with the
 * extra output channels zero, split as in the common PyTorch reproduction
 * ({@code F.pad(x[:, :, ::s, ::s], (0, 0, 0, 0, (k - c) / 2, k - c - (k - c) / 2))}).
 *
 * <pre>
 * x: (n, c, h, w)  ->  y: (n, k, p, q), p = ceil(h / s), q = ceil(w / s), k >= c
 * y[i, lo + j, a, b] = x[i, j, a*s, b*s] for j < c, lo = (k - c) / 2; zero elsewhere
 * </pre>
 */
public interface ShortcutOps {
    void forward(int n, int c, int h, int w, int k, int stride, float[] x, int xOff, float[] y, int yOff);

    /** dx (n, c, h, w) is overwritten: the subsampled positions receive dy, the rest zero. */
    void backward(int n, int c, int h, int w, int k, int stride, float[] dy, int dyOff, float[] dx, int dxOff);
}
