package io.resnet4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

import static io.resnet4j.kernels.vector.Simd.F;
import static io.resnet4j.kernels.vector.Simd.LANES;

/**
 * Constants and the one reduction shared by the Vector API kernels of this package.
 *
 * <p>Rules every kernel here follows (each learnt from a measurement on JDK 17):
 * <ul>
 *   <li>Horizontal sums never use {@code reduceLanes(ADD)}, whose order is unspecified (JIT tiers may differ);
 *       lanes are read one by one, lane 0 first, into a double.</li>
 *   <li>No method takes or returns a vector: C2 does not always inline such helpers (large callers hit its
 *       size limits), and a vector that crosses a real call is boxed on the heap. Helpers take arrays.</li>
 *   <li>A vector accumulator lives in one loop, never across nested loops (C2's box elimination fails on the
 *       outer loop's phi: a heap box per step, 10-50x slower); windows are walked as one flat loop.</li>
 *   <li>No {@code convert}/{@code convertShape} between float and int or double: not intrinsified for AVX2
 *       on JDK 17; exact small integers go through the 2^23 bit trick instead.</li>
 * </ul>
 */
final class LaneMath {
    /**
     * Longest run summed in float vector accumulators before the partial sum moves into a double: with two
     * accumulators each lane adds at most CHUNK / (2 * LANES) terms (64 on AVX2), so a chunk's relative
     * rounding error stays below about 64 * 2^-24 ~ 4e-6 of the sum of magnitudes (typically ~1e-7).
     */
    static final int CHUNK = 1024;

    /** Lanes 0, 2, 4, ... of a pair: {@code lo.rearrange(EVEN).blend(hi.rearrange(EVEN), UPPER_HALF)}. */
    static final VectorShuffle<Float> EVEN;
    static final VectorMask<Float> UPPER_HALF;
    /** 0, 1, ..., LANES - 1. */
    static final FloatVector IOTA;
    /**
     * Interleave two vectors e, o: {@code e.rearrange(ZIP_LO).blend(o.rearrange(ZIP_LO), ODD_LANES)} holds e0 o0 e1
     * o1 ... from their lower halves, ZIP_HI the same from their upper halves.
     */
    static final VectorShuffle<Float> ZIP_LO = VectorShuffle.fromOp(F, i -> i / 2);
    static final VectorShuffle<Float> ZIP_HI = VectorShuffle.fromOp(F, i -> LANES / 2 + i / 2);
    static final VectorMask<Float> ODD_LANES = VectorMask.fromLong(F, 0xAAAAAAAAAAAAAAAAL);

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

    /** a[from..to) summed: float vector partial sums over runs of at most {@link #CHUNK}, combined in double. */
    static double sum(float[] a, int from, int to) {
        return sum(a, from, to, Workspace.get().lanes);
    }

    /** {@link #sum(float[], int, int)} with lanes (at least LANES floats) as scratch. */
    static double sum(float[] a, int from, int to, float[] lanes) {
        double total = 0;
        for (int c0 = from; c0 < to; c0 += CHUNK) {
            total += run(a, c0, Math.min(to, c0 + CHUNK), lanes);
        }
        return total;
    }

    /**
     * One run of {@link #sum}: two float vector accumulators, lanes then the scalar tail added in double. The lanes
     * go through memory: v.lane(l) in a loop did not unroll into constant lanes and called laneHelper per lane (5%
     * of a resnet20 training step, from the batch norms' per-plane sums); the same additions in the same order.
     */
    private static double run(float[] a, int from, int to, float[] lanes) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int e = from;
        for (; e <= to - 2 * LANES; e += 2 * LANES) {
            s0 = s0.add(FloatVector.fromArray(F, a, e));
            s1 = s1.add(FloatVector.fromArray(F, a, e + LANES));
        }
        for (; e <= to - LANES; e += LANES) {
            s0 = s0.add(FloatVector.fromArray(F, a, e));
        }
        float tail = 0;
        for (; e < to; e++) {
            tail += a[e];
        }
        return addLanes(0, s0.add(s1), lanes) + tail;
    }

    /** dst[d, d + LANES) = x[s], x[s + 2], ..., x[s + 2 LANES - 2] (2 LANES floats read from s). */
    static void evenLanes(float[] x, int s, float[] dst, int d) {
        FloatVector lo = FloatVector.fromArray(F, x, s);
        FloatVector hi = FloatVector.fromArray(F, x, s + LANES);
        lo.rearrange(EVEN).blend(hi.rearrange(EVEN), UPPER_HALF).intoArray(dst, d);
    }

    /**
     * acc + v's lane 0 + lane 1 + ... + lane LANES - 1, added in double in that order. The lanes go through memory,
     * lanes[0, LANES) (see run: v.lane(l) in a loop calls laneHelper).
     */
    static double addLanes(double acc, FloatVector v, float[] lanes) {
        ((FloatVector) Simd.VECTOR_CLASS.cast(v)).intoArray(lanes, 0);
        for (int l = 0; l < LANES; l++) {
            acc += lanes[l];
        }
        return acc;
    }
}
