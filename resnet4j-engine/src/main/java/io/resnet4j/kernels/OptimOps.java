package io.resnet4j.kernels;

/**
 * Optimiser kernels on flat ranges of {@code len} floats (one parameter tensor at a time). Every rounding step
 * follows PyTorch's CPU kernels, whose {@code add(x, alpha=a)} is a fused multiply-add: the coefficients are
 * float32 values computed by the caller (as PyTorch casts its Python doubles), and each line below is one
 * rounding.
 */
public interface OptimOps {
    /**
     * One step of torch.optim.SGD (single-tensor path) on param p, gradient g and momentum buffer buf:
     * <pre>
     * d   = weightDecay != 0 ? fma(p, weightDecay, g) : g         # d_p = g.add(p, alpha=wd)
     * if momentum != 0:
     *   buf = firstStep ? d : fma(d, dampScale, buf * momentum)  # buf.mul_(m).add_(d_p, alpha=1-dampening)
     *   d   = nesterov ? fma(buf, momentum, d) : buf             # d_p.add(buf, alpha=m)
     * p   = fma(d, -lr, p)                                        # p.add_(d_p, alpha=-lr)
     * </pre>
     * {@code dampScale} is {@code (float) (1 - dampening)}. When momentum is 0, buf is not touched (may be null).
     */
    void sgd(int len, float[] p, int pOff, float[] g, int gOff, float[] buf, int bufOff,
             float lr, float momentum, float dampScale, float weightDecay, boolean nesterov, boolean firstStep);

    /**
     * Exponential moving average, {@code ema.mul_(decay).add_(x, alpha=1-decay)}:
     * ema = fma(x, oneMinusDecay, ema * decay), with {@code oneMinusDecay = (float) (1 - decay)}.
     */
    void ema(int len, float[] ema, int eOff, float[] x, int xOff, float decay, float oneMinusDecay);

    /** True when none of the {@code len} values is NaN or infinite. */
    boolean allFinite(int len, float[] x, int off);
}
