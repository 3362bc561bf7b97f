package io.resnet4j.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The backward-weight micro-kernel: dot products of 3 rows of P with 3 rows of Q, vectorised along the
 * reduced dimension (both operands are contiguous there, so neither needs a transpose).
 * <pre>
 * acc(i, j) += lanes of sum over t of p[p0 + i * ldp + t] * q[q0 + j * ldq + t],  i, j in [0, 3), t in [0, len)
 * acc(i, j): the LANES floats at acc[a0 + i * lda + j * LANES]; lane l holds the terms with t = l (mod LANES)
 * len: a multiple of LANES
 * </pre>
 * 9 accumulators + 3 + 3 operands fit the 16 AVX2 registers.
 */
final class DotKernel {
    static final VectorSpecies<Float> F = Simd.F;
    static final int L = Simd.LANES;

    private DotKernel() {
    }

    static void dot3x3(int len, float[] p, int p0, int ldp, float[] q, int q0, int ldq, float[] acc, int a0, int lda) {
        int a1 = a0 + lda, a2 = a0 + 2 * lda;
        FloatVector s00 = FloatVector.fromArray(F, acc, a0);
        FloatVector s01 = FloatVector.fromArray(F, acc, a0 + L);
        FloatVector s02 = FloatVector.fromArray(F, acc, a0 + 2 * L);
        FloatVector s10 = FloatVector.fromArray(F, acc, a1);
        FloatVector s11 = FloatVector.fromArray(F, acc, a1 + L);
        FloatVector s12 = FloatVector.fromArray(F, acc, a1 + 2 * L);
        FloatVector s20 = FloatVector.fromArray(F, acc, a2);
        FloatVector s21 = FloatVector.fromArray(F, acc, a2 + L);
        FloatVector s22 = FloatVector.fromArray(F, acc, a2 + 2 * L);
        int p1 = p0 + ldp, p2 = p0 + 2 * ldp;
        int q1 = q0 + ldq, q2 = q0 + 2 * ldq;
        for (int t = 0; t < len; t += L) {
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
    }
}
