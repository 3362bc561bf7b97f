package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.LossOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static io.resnet4j.kernels.vector.Simd.F;
import static io.resnet4j.kernels.vector.Simd.LANES;

/**
 * Vector API twin of {@link io.resnet4j.kernels.scalar.ScalarLoss}: softmax cross-entropy over logits (n, k),
 * vectorised along the k classes of a row. Per row, with m = max logit, e_j = exp(l_j - m) (float vector exp,
 * {@link LaneMath#expNonPositive}), Z = sum e_j and logZ = m + log Z in double:
 * <pre>
 * loss_i = logZ - (s / k) * sum_j l_j - (1 - s) * l_label        (the reference's -sum_j target_j * logP_j)
 * dLogits[i, j] = (e_j / Z - target_j) / n                         the label's entry recomputed in double
 * </pre>
 * Sums are float vector runs combined in double. Against the double reference: the loss within ~1e-6
 * (absolute, per unit of loss), dLogits within a few ulp of max(p_j, target_j) / n.
 *
 * <p>Rows are small (k ~ 10..1000, n ~ 128): the kernel runs on the calling thread; labels are checked
 * before anything is written.
 */
public final class VectorLoss implements LossOps {
    public static final VectorLoss INSTANCE = new VectorLoss();

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
            total += row(n, k, logits, off + i * k, labels[i], smoothing, offTarget, onTarget, dLogits, dOff + i * k);
        }
        return total / n;
    }

    /** One row's loss; writes its dLogits. */
    private static double row(int n, int k, float[] logits, int row, int label, float smoothing,
                              double offTarget, double onTarget, float[] dLogits, int dRow) {
        int vecEnd = row + (k / LANES) * LANES;
        // Max (NaN propagates, as Math.max in the reference) and the plain sum of the logits.
        float max = Float.NEGATIVE_INFINITY;
        if (vecEnd > row) {
            FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int e = row; e < vecEnd; e += LANES) {
                mv = mv.max(FloatVector.fromArray(F, logits, e));
            }
            max = mv.reduceLanes(VectorOperators.MAX);
        }
        for (int e = vecEnd; e < row + k; e++) {
            max = Math.max(max, logits[e]);
        }
        double sumLogits = smoothing == 0f ? 0 : LaneMath.sum(logits, row, row + k);
        // Read before dLogits is written: the two may be the same array.
        float labelLogit = logits[row + label];
        // e_j = exp(l_j - max) into dLogits, summed.
        FloatVector maxV = FloatVector.broadcast(F, max);
        double sumExp = 0;
        for (int c0 = row; c0 < vecEnd; c0 += LaneMath.CHUNK) {
            int c1 = Math.min(vecEnd, c0 + LaneMath.CHUNK);
            FloatVector acc = FloatVector.zero(F);
            for (int e = c0; e < c1; e += LANES) {
                FloatVector l = FloatVector.fromArray(F, logits, e);
                FloatVector d = l.sub(maxV);
                // l - max rounded to float errs by up to |l - max| * 2^-24 relative to e^(l - max); the exact
                // rounding error (TwoSum; NaN for infinite inputs, dropped) corrects it: e^(d + err) ~ e^d (1 + err).
                FloatVector back = d.sub(l);
                FloatVector err = l.sub(d.sub(back)).sub(maxV.add(back));
                err = err.blend(0f, err.compare(VectorOperators.NE, err));
                FloatVector ex = LaneMath.expNonPositive(d);
                ex = ex.fma(err, ex);
                ex.intoArray(dLogits, dRow + (e - row));
                acc = acc.add(ex);
            }
            sumExp += LaneMath.sumLanes(acc);
        }
        for (int e = vecEnd; e < row + k; e++) {
            float ex = (float) Math.exp((double) logits[e] - max);
            dLogits[dRow + (e - row)] = ex;
            sumExp += ex;
        }
        double logZ = max + Math.log(sumExp);
        double loss = logZ - (1.0 - smoothing) * labelLogit - (smoothing == 0f ? 0 : offTarget * sumLogits);
        // dLogits = e * (1 / (Z n)) - offTarget / n, one fma per element.
        float coef = (float) (1.0 / (sumExp * n));
        float shift = (float) (-offTarget / n);
        FloatVector coefV = FloatVector.broadcast(F, coef), shiftV = FloatVector.broadcast(F, shift);
        int e = 0;
        for (; e <= k - LANES; e += LANES) {
            FloatVector.fromArray(F, dLogits, dRow + e).fma(coefV, shiftV).intoArray(dLogits, dRow + e);
        }
        for (; e < k; e++) {
            dLogits[dRow + e] = Math.fma(dLogits[dRow + e], coef, shift);
        }
        // p_label - onTarget may cancel (p near 1): recompute the label's entry in double.
        dLogits[dRow + label] = (float) ((Math.exp(labelLogit - logZ) - onTarget) / n);
        return loss;
    }
}
