package io.resnet4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import static io.resnet4j.kernels.vector.Simd.F;
import static io.resnet4j.kernels.vector.Simd.LANES;

/**
 * Building blocks shared by the Vector API kernels: reductions with a fixed order (so a result never depends
 * on the JIT tier or the thread count), stride-2 loads, and an exponential built from +, *, fma only.
 */
final class LaneMath {
    /**
     * Longest run summed in float vector accumulators before the partial sum moves into a double: with two
     * accumulators each lane adds at most CHUNK / (2 * LANES) terms (64 on AVX2), so a chunk's relative
     * rounding error stays below about 64 * 2^-24 ~ 4e-6 of the sum of magnitudes (typically ~1e-7).
     */
    static final int CHUNK = 1024;

    /** Lanes 0, 2, 4, ... of a vector pair: lo.rearrange(EVEN) fills the lower half, hi.rearrange(EVEN) the upper. */
    private static final VectorShuffle<Float> EVEN;
    private static final VectorMask<Float> UPPER_HALF;
    /** 0, 1, ..., LANES - 1. */
    static final FloatVector IOTA;

    static {
        int[] even = new int[LANES];
        boolean[] upper = new boolean[LANES];
        float[] iota = new float[LANES];
        for (int l = 0; l < LANES; l++) {
            even[l] = (2 * l) % LANES;
            upper[l] = l >= LANES / 2;
            iota[l] = l;
        }
        EVEN = VectorShuffle.fromArray(F, even, 0);
        UPPER_HALF = VectorMask.fromArray(F, upper, 0);
        IOTA = FloatVector.fromArray(F, iota, 0);
    }

    private LaneMath() {
    }

    /** The lanes of v summed in double, lane 0 first. */
    static double sumLanes(FloatVector v) {
        double s = 0;
        for (int l = 0; l < LANES; l++) {
            s += v.lane(l);
        }
        return s;
    }

    /** a[from..to) summed: float vector partial sums over runs of at most {@link #CHUNK}, combined in double. */
    static double sum(float[] a, int from, int to) {
        double total = 0;
        for (int c0 = from; c0 < to; c0 += CHUNK) {
            int c1 = Math.min(to, c0 + CHUNK);
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            int e = c0;
            for (; e <= c1 - 2 * LANES; e += 2 * LANES) {
                s0 = s0.add(FloatVector.fromArray(F, a, e));
                s1 = s1.add(FloatVector.fromArray(F, a, e + LANES));
            }
            for (; e <= c1 - LANES; e += LANES) {
                s0 = s0.add(FloatVector.fromArray(F, a, e));
            }
            float tail = 0;
            for (; e < c1; e++) {
                tail += a[e];
            }
            total += sumLanes(s0.add(s1)) + tail;
        }
        return total;
    }

    /**
     * Lanes a[p], a[p + s], ..., a[p + s * (LANES - 1)] for s = 1 or 2; reads a[p .. p + s * LANES), so the
     * caller guarantees p + s * LANES <= a.length (and stays in the row it means).
     */
    static FloatVector loadStrided(float[] a, int p, int s) {
        if (s == 1) {
            return FloatVector.fromArray(F, a, p);
        }
        FloatVector lo = FloatVector.fromArray(F, a, p);
        FloatVector hi = FloatVector.fromArray(F, a, p + LANES);
        return lo.rearrange(EVEN).blend(hi.rearrange(EVEN), UPPER_HALF);
    }

    // Cephes expf: e^x = 2^n * e^r, n = round(x / ln 2), |r| <= ln 2 / 2, r from a two-part ln 2 (Cody-Waite).
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** Adding then subtracting 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    /** ln(2^-126): below it the result would be subnormal. */
    private static final float MIN_ARG = -87.33654f;

    /**
     * e^x for lanes x <= 0, within about 2 ulp of the exact value; x below -87.34 (also -infinity) gives 2^-126
     * instead of a subnormal or zero, NaN stays NaN. Only add, mul, fma, max and bit reinterpretation, all
     * exactly specified, so every JIT tier and every machine with the same lane count gives the same bits.
     */
    static FloatVector expNonPositive(FloatVector x) {
        FloatVector xc = x.max(MIN_ARG);
        FloatVector t = xc.mul(LOG2E).add(ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.mul(1.9875691500E-4f).add(1.3981999507E-3f);
        p = p.fma(r, FloatVector.broadcast(F, 8.3334519073E-3f));
        p = p.fma(r, FloatVector.broadcast(F, 4.1665795894E-2f));
        p = p.fma(r, FloatVector.broadcast(F, 1.6666665459E-1f));
        p = p.fma(r, FloatVector.broadcast(F, 5.0000001201E-1f));
        FloatVector y = p.mul(r).fma(r, r).add(1f);
        FloatVector scale = t.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return y.mul(scale);
    }
}
