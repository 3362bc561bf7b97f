package io.resnet4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The backward-weight micro-kernel: dot products of 4 rows of P with 3 rows of Q, vectorised along the
 * reduced dimension (both operands are contiguous there, so neither needs a transpose).
 * <pre>
 * acc(i, j) += lanes of sum over t of p[p0 + i * ldp + t] * q[q0 + j * ldq + t],  i in [0, 4), j in [0, 3),
 *              t in [0, len)
 * acc(i, j): the LANES floats at acc[a0 + i * lda + j * LANES]; lane l holds the terms with t = l (mod LANES)
 * len: a multiple of LANES
 * </pre>
 * 12 accumulators + 3 Q rows + 1 P row fill the 16 AVX2 registers: 7 loads per 12 FMAs (a 3x3 tile, the
 * earlier kernel, made 6 loads per 9 FMAs and ran 1.0-1.33x slower on resnet20's layers; BENCHMARKS.md).
 */
final class DotKernel {
    static final VectorSpecies<Float> F = Simd.F;
    static final int L = Simd.LANES;
    /** Rows of P per call: callers pad their P row count (output channels) to a multiple of this. */
    static final int P_ROWS = 4;

    private DotKernel() {
    }

    static void dot4x3(int len, float[] p, int p0, int ldp, float[] q, int q0, int ldq, float[] acc, int a0, int lda) {
        dot4x3(1, len, p, p0, p0 + ldp, p0 + 2 * ldp, p0 + 3 * ldp, 0, q, q0, q0 + ldq, q0 + 2 * ldq, 0, acc, a0, lda);
    }

    /**
     * The same over nseg segments: row i of P at p_i + seg * pStride, row j of Q at q_j + seg * qStride,
     * each segment len long, accumulated segment after segment.
     */
    static void dot4x3(int nseg, int len, float[] p, int p0, int p1, int p2, int p3, int pStride,
                       float[] q, int q0, int q1, int q2, int qStride, float[] acc, int a0, int lda) {
        int a1 = a0 + lda, a2 = a0 + 2 * lda, a3 = a0 + 3 * lda;
        FloatVector s00 = FloatVector.fromArray(F, acc, a0);
        FloatVector s01 = FloatVector.fromArray(F, acc, a0 + L);
        FloatVector s02 = FloatVector.fromArray(F, acc, a0 + 2 * L);
        FloatVector s10 = FloatVector.fromArray(F, acc, a1);
        FloatVector s11 = FloatVector.fromArray(F, acc, a1 + L);
        FloatVector s12 = FloatVector.fromArray(F, acc, a1 + 2 * L);
        FloatVector s20 = FloatVector.fromArray(F, acc, a2);
        FloatVector s21 = FloatVector.fromArray(F, acc, a2 + L);
        FloatVector s22 = FloatVector.fromArray(F, acc, a2 + 2 * L);
        FloatVector s30 = FloatVector.fromArray(F, acc, a3);
        FloatVector s31 = FloatVector.fromArray(F, acc, a3 + L);
        FloatVector s32 = FloatVector.fromArray(F, acc, a3 + 2 * L);
        // one flat loop over all segments: nested loops with vector phis defeat C2's box elimination (JDK 17)
        int total = nseg * len;
        for (int i = 0, t = 0; i < total; i += L) {
            FloatVector x0 = FloatVector.fromArray(F, q, q0 + t);
            FloatVector x1 = FloatVector.fromArray(F, q, q1 + t);
            FloatVector x2 = FloatVector.fromArray(F, q, q2 + t);
            FloatVector y = FloatVector.fromArray(F, p, p0 + t);
            s00 = y.fma(x0, s00);
            s01 = y.fma(x1, s01);
            s02 = y.fma(x2, s02);
            y = FloatVector.fromArray(F, p, p1 + t);
            s10 = y.fma(x0, s10);
            s11 = y.fma(x1, s11);
            s12 = y.fma(x2, s12);
            y = FloatVector.fromArray(F, p, p2 + t);
            s20 = y.fma(x0, s20);
            s21 = y.fma(x1, s21);
            s22 = y.fma(x2, s22);
            y = FloatVector.fromArray(F, p, p3 + t);
            s30 = y.fma(x0, s30);
            s31 = y.fma(x1, s31);
            s32 = y.fma(x2, s32);
            t += L;
            if (t == len) {
                t = 0;
                p0 += pStride;
                p1 += pStride;
                p2 += pStride;
                p3 += pStride;
                q0 += qStride;
                q1 += qStride;
                q2 += qStride;
            }
        }
        s00.intoArray(acc, a0);
        s01.intoArray(acc, a0 + L);
        s02.intoArray(acc, a0 + 2 * L);
        s10.intoArray(acc, a1);
        s11.intoArray(acc, a1 + L);
        s12.intoArray(acc, a1 + 2 * L);
        s20.intoArray(acc, a2);
        s21.intoArray(acc, a2 + L);
        s22.intoArray(acc, a2 + 2 * L);
        s30.intoArray(acc, a3);
        s31.intoArray(acc, a3 + L);
        s32.intoArray(acc, a3 + 2 * L);
    }
}
