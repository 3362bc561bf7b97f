package io.resnet4j.kernels;

import io.resnet4j.kernels.scalar.ScalarLoss;
import io.resnet4j.kernels.vector.VectorLoss;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.resnet4j.kernels.TwinChecks.assertBitwise;
import static io.resnet4j.kernels.TwinChecks.assertClose;
import static io.resnet4j.kernels.TwinChecks.gaussian;
import static io.resnet4j.kernels.TwinChecks.onThreads;
import static io.resnet4j.kernels.TwinChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * VectorLoss against the double-precision ScalarLoss. Tolerances: the mean loss within 1e-6 * (1 + |loss|);
 * dLogits[i, j] within 1e-6 * (p_ij + target_j) / n + 1e-30 (relative to the two terms of (p - target) / n,
 * with an absolute floor for probabilities below float's normal range).
 */
class VectorLossTest {
    private static final LossOps SCALAR = ScalarLoss.INSTANCE, VECTOR = VectorLoss.INSTANCE;

    @Test
    void kernelsPicksTheVectorTwin() {
        assertThat(Kernels.LOSS).isSameAs(VECTOR);
    }

    @Test
    void lossAndGradientMatchTheDoubleReference() {
        SplittableRandom rng = new SplittableRandom(41);
        double worst = 0;
        for (int n : new int[] {1, 3, 17}) {
            for (int k : new int[] {1, 2, 7, 9, 10, 15, 17, 63, 64, 65, 1000}) {
                for (float smoothing : new float[] {0f, 0.1f}) {
                    for (double spread : new double[] {3, 40}) {
                        worst = Math.max(worst, check(rng, n, k, smoothing, gaussian(rng, 4 + n * k, 0.5, spread)));
                    }
                }
            }
        }
        System.out.println("loss: worst error / bound = " + worst);
    }

    /** Exercises the vector exponential over its whole range: logits from 0 down to -100 in every row. */
    @Test
    void wideLogitRangeMatchesTheReference() {
        SplittableRandom rng = new SplittableRandom(42);
        double worst = 0;
        for (int k : new int[] {64, 1000}) {
            float[] logits = uniform(rng, 4 + 5 * k, -100, 0);
            worst = Math.max(worst, check(rng, 5, k, 0f, logits));
            worst = Math.max(worst, check(rng, 5, k, 0.2f, logits));
        }
        System.out.println("loss, wide range: worst error / bound = " + worst);
    }

    private static double check(SplittableRandom rng, int n, int k, float smoothing, float[] logits) {
        int off = 4, dOff = 3;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(k);
        }
        float[] ds = uniform(rng, dOff + n * k, -1, 1), dv = ds.clone();
        double ls = SCALAR.softmaxCrossEntropy(n, k, logits, off, labels, smoothing, ds, dOff);
        double lv = VECTOR.softmaxCrossEntropy(n, k, logits, off, labels, smoothing, dv, dOff);
        String at = "n" + n + " k" + k + " smoothing " + smoothing;
        assertThat(lv).as("loss " + at).isCloseTo(ls, within(1e-6 * (1 + Math.abs(ls))));
        double offTarget = smoothing / (double) k;
        return assertClose("dLogits " + at, ds, dv, e -> {
            if (e < dOff) {
                return 0;
            }
            int i = (e - dOff) / k, j = (e - dOff) % k;
            double target = offTarget + (j == labels[i] ? 1 - smoothing : 0);
            double p = ds[e] * (double) n + target;
            return 1e-6 * (Math.abs(p) + target) / n + 1e-30;
        });
    }

    @Test
    void nanAndInfinityPropagateAsInTheReference() {
        int n = 2, k = 19;
        float[] logits = uniform(new SplittableRandom(43), n * k, -2, 2);
        logits[3] = Float.NaN;                       // row 0: NaN everywhere
        logits[k + 17] = Float.NEGATIVE_INFINITY;    // row 1: probability 0, infinite loss only with smoothing
        int[] labels = {1, 2};
        float[] ds = new float[n * k], dv = new float[n * k];
        for (float smoothing : new float[] {0f, 0.1f}) {
            double ls = SCALAR.softmaxCrossEntropy(n, k, logits, 0, labels, smoothing, ds, 0);
            double lv = VECTOR.softmaxCrossEntropy(n, k, logits, 0, labels, smoothing, dv, 0);
            assertThat(ls).isNaN();
            assertThat(lv).isNaN();
            for (int j = 0; j < k; j++) {
                assertThat(dv[j]).isNaN();
            }
            assertThat(dv[k + 17]).isCloseTo(-smoothing / (float) k / n, within(1e-7f));
        }
        // Row 1 alone: with smoothing the -infinity logit makes the loss infinite, as in torch.
        float[] row = java.util.Arrays.copyOfRange(logits, k, 2 * k);
        assertThat(VECTOR.softmaxCrossEntropy(1, k, row, 0, new int[] {2}, 0.1f, dv, 0)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(VECTOR.softmaxCrossEntropy(1, k, row, 0, new int[] {2}, 0f, dv, 0)).isFinite();
    }

    @Test
    void minusInfinityOffTheLabelCostsNothingWithoutSmoothing() {
        // torch 1.13: F.cross_entropy(tensor([[0., -inf, 1.]]), tensor([0])) = 1.3133 = log(1 + e).
        float[] logits = {0f, Float.NEGATIVE_INFINITY, 1f};
        for (LossOps ops : new LossOps[] {SCALAR, VECTOR}) {
            float[] d = new float[3];
            assertThat(ops.softmaxCrossEntropy(1, 3, logits, 0, new int[] {0}, 0f, d, 0))
                    .as(ops.getClass().getSimpleName()).isCloseTo(Math.log(1 + Math.E), within(1e-7));
            assertThat(d[1]).isEqualTo(0f);
        }
    }

    @Test
    void outOfRangeLabelFailsBeforeWritingAnything() {
        float[] logits = new float[3 * 10], d = new float[3 * 10];
        assertThatThrownBy(() -> VECTOR.softmaxCrossEntropy(3, 10, logits, 0, new int[] {0, 10, 1}, 0f, d, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label 10 at batch index 1");
        assertThat(d).containsOnly(0f);
    }

    @Test
    void resultsAreBitwiseEqualOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(44);
        int n = 8, k = 1000;
        float[] logits = gaussian(rng, n * k, 0, 4);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(k);
        }
        float[][] one = onThreads(1, () -> run(n, k, logits, labels));
        float[][] two = onThreads(2, () -> run(n, k, logits, labels));
        assertBitwise("dLogits on 1 vs 2 threads", one[0], two[0]);
        assertBitwise("loss on 1 vs 2 threads", one[1], two[1]);
    }

    private static float[][] run(int n, int k, float[] logits, int[] labels) {
        float[] d = new float[n * k];
        double loss = VECTOR.softmaxCrossEntropy(n, k, logits, 0, labels, 0.1f, d, 0);
        return new float[][] {d, {(float) loss, (float) (loss - (float) loss)}};
    }
}
