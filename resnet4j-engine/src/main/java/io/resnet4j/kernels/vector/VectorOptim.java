package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.OptimOps;
import io.resnet4j.kernels.scalar.ScalarOptim;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The Vector API twin of {@link ScalarOptim}: the same fused multiply-adds lane by lane, so results are bitwise
 * equal to the reference; the tail (len mod LANES elements) runs the reference loop.
 */
public final class VectorOptim implements OptimOps {
    public static final VectorOptim INSTANCE = new VectorOptim();

    private VectorOptim() {
    }

    @Override
    public void sgd(int len, float[] p, int pOff, float[] g, int gOff, float[] buf, int bufOff,
                    float lr, float momentum, float dampScale, float weightDecay, boolean nesterov, boolean firstStep) {
        int bound = Simd.F.loopBound(len);
        float negLr = -lr;
        boolean decay = weightDecay != 0f, heavyBall = momentum != 0f;
        FloatVector wdV = FloatVector.broadcast(Simd.F, weightDecay), mV = FloatVector.broadcast(Simd.F, momentum);
        FloatVector dampV = FloatVector.broadcast(Simd.F, dampScale), negLrV = FloatVector.broadcast(Simd.F, negLr);
        int e = 0;
        for (; e < bound; e += Simd.LANES) {
            FloatVector w = FloatVector.fromArray(Simd.F, p, pOff + e);
            FloatVector d = FloatVector.fromArray(Simd.F, g, gOff + e);
            if (decay) {
                d = w.fma(wdV, d);
            }
            if (heavyBall) {
                FloatVector b = firstStep ? d
                        : d.fma(dampV, FloatVector.fromArray(Simd.F, buf, bufOff + e).mul(mV));
                b.intoArray(buf, bufOff + e);
                d = nesterov ? b.fma(mV, d) : b;
            }
            d.fma(negLrV, w).intoArray(p, pOff + e);
        }
        if (e < len) {
            ScalarOptim.INSTANCE.sgd(len - e, p, pOff + e, g, gOff + e, buf, bufOff + e,
                    lr, momentum, dampScale, weightDecay, nesterov, firstStep);
        }
    }

    @Override
    public void ema(int len, float[] ema, int eOff, float[] x, int xOff, float decay, float oneMinusDecay) {
        int bound = Simd.F.loopBound(len);
        FloatVector dV = FloatVector.broadcast(Simd.F, decay), omV = FloatVector.broadcast(Simd.F, oneMinusDecay);
        int e = 0;
        for (; e < bound; e += Simd.LANES) {
            FloatVector a = FloatVector.fromArray(Simd.F, ema, eOff + e).mul(dV);
            FloatVector.fromArray(Simd.F, x, xOff + e).fma(omV, a).intoArray(ema, eOff + e);
        }
        if (e < len) {
            ScalarOptim.INSTANCE.ema(len - e, ema, eOff + e, x, xOff + e, decay, oneMinusDecay);
        }
    }

    @Override
    public boolean allFinite(int len, float[] x, int off) {
        // x * 0 is 0 for a finite x and NaN for NaN or +-inf; the sum of those stays NaN once it is NaN.
        int bound = Simd.F.loopBound(len);
        FloatVector acc = FloatVector.zero(Simd.F);
        int e = 0;
        for (; e < bound; e += Simd.LANES) {
            acc = acc.add(FloatVector.fromArray(Simd.F, x, off + e).mul(0f));
        }
        if (acc.test(VectorOperators.IS_NAN).anyTrue()) {
            return false;
        }
        return e >= len || ScalarOptim.INSTANCE.allFinite(len - e, x, off + e);
    }
}
