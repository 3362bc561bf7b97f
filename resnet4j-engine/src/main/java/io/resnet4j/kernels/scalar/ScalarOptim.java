package io.resnet4j.kernels.scalar;

import io.resnet4j.kernels.OptimOps;

/** The reference optimiser kernels: one element at a time, the same roundings as the vector twin. */
public final class ScalarOptim implements OptimOps {
    public static final ScalarOptim INSTANCE = new ScalarOptim();

    private ScalarOptim() {
    }

    @Override
    public void sgd(int len, float[] p, int pOff, float[] g, int gOff, float[] buf, int bufOff,
                    float lr, float momentum, float dampScale, float weightDecay, boolean nesterov, boolean firstStep) {
        float negLr = -lr;
        for (int e = 0; e < len; e++) {
            float w = p[pOff + e];
            float d = weightDecay != 0f ? Math.fma(w, weightDecay, g[gOff + e]) : g[gOff + e];
            if (momentum != 0f) {
                float b = firstStep ? d : Math.fma(d, dampScale, buf[bufOff + e] * momentum);
                buf[bufOff + e] = b;
                d = nesterov ? Math.fma(b, momentum, d) : b;
            }
            p[pOff + e] = Math.fma(d, negLr, w);
        }
    }

    @Override
    public void ema(int len, float[] ema, int eOff, float[] x, int xOff, float decay, float oneMinusDecay) {
        for (int e = 0; e < len; e++) {
            ema[eOff + e] = Math.fma(x[xOff + e], oneMinusDecay, ema[eOff + e] * decay);
        }
    }

    @Override
    public boolean allFinite(int len, float[] x, int off) {
        for (int e = 0; e < len; e++) {
            if (!Float.isFinite(x[off + e])) {
                return false;
            }
        }
        return true;
    }
}
