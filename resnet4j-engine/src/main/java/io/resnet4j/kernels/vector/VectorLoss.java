package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.LossOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static io.resnet4j.kernels.vector.Simd.F;
import static io.resnet4j.kernels.vector.Simd.LANES;

/**
 * Vector API twin of {@link io.resnet4j.kernels.scalar.ScalarLoss}: softmax cross-entropy over logits (n, k),
 * vectorised along the k classes of a row. Per row, with m = max logit, e_j = exp(l_j - m) in float
 * (a Cephes-style polynomial, below), Z = sum e_j and logZ = m + log Z in double:
 * <pre>
 * loss_i = logZ - (s / k) * sum_j l_j - (1 - s) * l_label        (the reference's -sum_j target_j * logP_j)
 * dLogits[i, j] = (e_j / Z - target_j) / n                         the label's entry recomputed in double
 * </pre>
 * Sums are float vector runs combined in double. Against the double reference: the loss within ~1e-7
 * relative, dLogits within a few ulp of (p_j + target_j) / n (tests allow 1e-6 of both).
 *
 * <p>Rows are small (k ~ 10..1000, n ~ 128): the kernel runs on the calling thread; labels are checked
 * before anything is written. dLogits may be the logits array itself.
 */
public final class VectorLoss implements LossOps {
    public static final VectorLoss INSTANCE = new VectorLoss();

    // e^x = 2^n * e^r, n = round(x / ln 2), r = x - n ln 2 with ln 2 in two parts (Cody-Waite), e^r by the
    // Cephes expf polynomial (|r| <= ln 2 / 2, ~1 ulp). Only add, mul, fma, max and bit reinterpretation:
    // exactly specified, so every JIT tier gives the same bits.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** Adding then subtracting 1.5 * 2^23 rounds to an integer and leaves it in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    /** ln(2^-126): the argument is clamped here, so e^x never goes subnormal (the error is below 2^-126). */
    private static final float MIN_ARG = -87.33654f;

    private VectorLoss() {
    }

    @Override
    public double softmaxCrossEntropy(int n, int k, float[] logits, int off, int[] labels, float smoothing,
                                      float[] dLogits, int dOff) {
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException("label " + labels[i] + " at batch index " + i + " is outside [0, " + k + ")");
            }
        }
        double offTarget = smoothing / (double) k;
        double onTarget = 1.0 - smoothing + offTarget;
        double total = 0;
        for (int i = 0; i < n; i++) {
            int row = off + i * k, dRow = dOff + i * k, label = labels[i];
            float max = max(logits, row, k);
            double sumLogits = smoothing == 0f ? 0 : LaneMath.sum(logits, row, row + k);
            // Read before dLogits is written: the two may be the same array.
            float labelLogit = logits[row + label];
            double sumExp = exp(logits, row, k, max, dLogits, dRow);
            double logZ = max + Math.log(sumExp);
            total += logZ - (1.0 - smoothing) * labelLogit - (smoothing == 0f ? 0 : offTarget * sumLogits);
            affine(dLogits, dRow, k, (float) (1.0 / (sumExp * n)), (float) (-offTarget / n));
            // p_label - onTarget may cancel (p near 1): the label's entry in double.
            dLogits[dRow + label] = (float) ((Math.exp(labelLogit - logZ) - onTarget) / n);
        }
        return total / n;
    }

    /** The largest of a[row .. row + k); NaN if any is NaN (Math.max semantics, as the reference). */
    private static float max(float[] a, int row, int k) {
        float max = Float.NEGATIVE_INFINITY;
        int e = 0;
        if (k >= LANES) {
            FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; e <= k - LANES; e += LANES) {
                mv = mv.max(FloatVector.fromArray(F, a, row + e));
            }
            max = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; e < k; e++) {
            max = Math.max(max, a[row + e]);
        }
        return max;
    }

    /** out[dRow + j] = e^(l_j - max) for the k logits at row; returns their sum (float runs, double total). */
    private static double exp(float[] logits, int row, int k, float max, float[] out, int dRow) {
        int vecEnd = k - k % LANES;
        double sum = 0;
        for (int c0 = 0; c0 < vecEnd; c0 += LaneMath.CHUNK) {
            sum += expRun(logits, row + c0, Math.min(vecEnd - c0, LaneMath.CHUNK), max, out, dRow + c0);
        }
        for (int e = vecEnd; e < k; e++) {
            float ex = (float) Math.exp((double) logits[row + e] - max);
            out[dRow + e] = ex;
            sum += ex;
        }
        return sum;
    }

    /** The vector part of {@link #exp}: len (a multiple of LANES, at most CHUNK) logits from at. */
    private static double expRun(float[] logits, int at, int len, float max, float[] out, int outAt) {
        FloatVector maxV = FloatVector.broadcast(F, max);
        FloatVector acc = FloatVector.zero(F);
        for (int e = 0; e < len; e += LANES) {
            FloatVector l = FloatVector.fromArray(F, logits, at + e);
            FloatVector d = l.sub(maxV);
            // l - max rounded to float errs by up to |l - max| 2^-24, which e^(l - max) would amplify; TwoSum
            // gives the exact rounding error (NaN for infinite inputs: dropped) and e^(d + err) ~ e^d (1 + err).
            FloatVector back = d.sub(l);
            FloatVector err = l.sub(d.sub(back)).sub(maxV.add(back));
            err = err.blend(0f, err.compare(VectorOperators.NE, err));
            FloatVector x = d.max(MIN_ARG);
            FloatVector t = x.mul(LOG2E).add(ROUND);
            FloatVector nf = t.sub(ROUND);
            FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HI), x);
            r = nf.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector p = r.mul(1.9875691500E-4f).add(1.3981999507E-3f);
            p = p.fma(r, FloatVector.broadcast(F, 8.3334519073E-3f));
            p = p.fma(r, FloatVector.broadcast(F, 4.1665795894E-2f));
            p = p.fma(r, FloatVector.broadcast(F, 1.6666665459E-1f));
            p = p.fma(r, FloatVector.broadcast(F, 5.0000001201E-1f));
            FloatVector er = p.mul(r).fma(r, r).add(1f);
            // 2^n: n sits in the low bits of t; move n + 127 into the exponent field. A multiply by 2^23 (the same
            // bits as a shift by 23): JDK 17's C2 did not intrinsify lanewise(LSHL, 23) here and boxed a lambda
            // per call (ResNet-50's 1000 classes: 0.7 MB per training step)
            FloatVector scale = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS - 127).mul(1 << 23)
                    .reinterpretAsFloats();
            FloatVector ex = er.mul(scale);
            ex = ex.fma(err, ex);
            ex.intoArray(out, outAt + e);
            acc = acc.add(ex);
        }
        return LaneMath.addLanes(0, acc, Workspace.get().lanes);
    }

    /** a[at + j] = a[at + j] * coef + shift for j < k, one fma each. */
    private static void affine(float[] a, int at, int k, float coef, float shift) {
        FloatVector coefV = FloatVector.broadcast(F, coef), shiftV = FloatVector.broadcast(F, shift);
        int e = 0;
        for (; e <= k - LANES; e += LANES) {
            FloatVector.fromArray(F, a, at + e).fma(coefV, shiftV).intoArray(a, at + e);
        }
        for (; e < k; e++) {
            a[at + e] = Math.fma(a[at + e], coef, shift);
        }
    }
}
