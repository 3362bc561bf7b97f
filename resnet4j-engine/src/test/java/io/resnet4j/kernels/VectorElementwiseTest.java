package io.resnet4j.kernels;

import io.resnet4j.kernels.scalar.ScalarElementwise;
import io.resnet4j.kernels.vector.VectorElementwise;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.resnet4j.kernels.TwinChecks.CHANNELS;
import static io.resnet4j.kernels.TwinChecks.SIZES;
import static io.resnet4j.kernels.TwinChecks.assertBitwise;
import static io.resnet4j.kernels.TwinChecks.assertClose;
import static io.resnet4j.kernels.TwinChecks.onThreads;
import static io.resnet4j.kernels.TwinChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * VectorElementwise against ScalarElementwise. Every kernel but biasBackward does the reference's single float
 * operation per element, so the check is bitwise (NaN, infinities and -0 included); biasBackward sums in float
 * runs combined in double and must agree to 1e-6 of the sum of |dy| of its channel.
 */
class VectorElementwiseTest {
    private static final ElementwiseOps SCALAR = ScalarElementwise.INSTANCE, VECTOR = VectorElementwise.INSTANCE;
    /** Spans several blocks of the task split (and a tail block). */
    private static final int LONG = 3 * 4096 * 9 + 5;

    @Test
    void kernelsPicksTheVectorTwin() {
        assertThat(Kernels.ELEMENTWISE).isSameAs(VECTOR);
    }

    /** Inputs with NaN, infinities, signed zeros and values in [-1, 1). */
    private static float[] awkward(SplittableRandom rng, int len) {
        float[] a = uniform(rng, len, -1, 1);
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE};
        for (int i = 0; i < len; i += 3) {
            a[i] = special[rng.nextInt(special.length)];
        }
        return a;
    }

    private static int[] lengths() {
        int[] l = new int[SIZES.length + 2];
        System.arraycopy(SIZES, 0, l, 0, SIZES.length);
        l[SIZES.length] = 0;
        l[SIZES.length + 1] = LONG;
        return l;
    }

    @Test
    void flatKernelsAreBitwiseEqualIncludingNanInfinityAndSignedZero() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int len : lengths()) {
            int ao = 3, bo = 5, yo = 7;
            float[] a = awkward(rng, len + ao), b = awkward(rng, len + bo);
            float[] ys = uniform(rng, len + yo, -1, 1), yv = ys.clone();
            SCALAR.relu(len, a, ao, ys, yo);
            VECTOR.relu(len, a, ao, yv, yo);
            assertBitwise("relu len " + len, ys, yv);

            float[] dxs = uniform(rng, len + yo, -1, 1), dxv = dxs.clone();
            SCALAR.reluBackward(len, a, ao, b, bo, dxs, yo);
            VECTOR.reluBackward(len, a, ao, b, bo, dxv, yo);
            assertBitwise("reluBackward len " + len, dxs, dxv);

            SCALAR.add(len, a, ao, b, bo, ys, yo);
            VECTOR.add(len, a, ao, b, bo, yv, yo);
            assertBitwise("add len " + len, ys, yv);

            SCALAR.addRelu(len, a, ao, b, bo, ys, yo);
            VECTOR.addRelu(len, a, ao, b, bo, yv, yo);
            assertBitwise("addRelu len " + len, ys, yv);

            SCALAR.accumulate(len, a, ao, ys, yo);
            VECTOR.accumulate(len, a, ao, yv, yo);
            assertBitwise("accumulate len " + len, ys, yv);
        }
    }

    @Test
    void reluKeepsNanAndNegativeZeroAsTorch() {
        // torch 1.13: torch.relu(tensor([-0., nan])) is tensor([-0., nan]).
        float[] x = new float[20];
        x[0] = Float.NaN;
        x[1] = -0f;
        x[2] = -3f;
        x[3] = Float.NEGATIVE_INFINITY;
        x[4] = Float.POSITIVE_INFINITY;
        x[17] = Float.NaN;
        x[18] = -2f;
        x[19] = 5f;
        float[] y = new float[20];
        VECTOR.relu(20, x, 0, y, 0);
        assertThat(y[0]).isNaN();
        assertThat(Float.floatToRawIntBits(y[1])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(y[2]).isEqualTo(0f);
        assertThat(y[3]).isEqualTo(0f);
        assertThat(y[4]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[17]).isNaN();
        assertThat(y[18]).isEqualTo(0f);
        assertThat(y[19]).isEqualTo(5f);

        // The gradient passes only where the output is > 0: not at NaN, not at zero.
        float[] dy = new float[20];
        java.util.Arrays.fill(dy, 1f);
        VECTOR.reluBackward(20, y, 0, dy, 0, dy, 0);
        assertThat(dy[0]).isEqualTo(0f);
        assertThat(dy[1]).isEqualTo(0f);
        assertThat(dy[4]).isEqualTo(1f);
        assertThat(dy[17]).isEqualTo(0f);
        assertThat(dy[19]).isEqualTo(1f);
    }

    @Test
    void reluBackwardMayOverwriteItsGradient() {
        SplittableRandom rng = new SplittableRandom(12);
        for (int len : lengths()) {
            float[] y = awkward(rng, len), dy = uniform(rng, len, -1, 1), expected = new float[len];
            SCALAR.reluBackward(len, y, 0, dy, 0, expected, 0);
            VECTOR.reluBackward(len, y, 0, dy, 0, dy, 0);
            assertBitwise("in-place reluBackward len " + len, expected, dy);
        }
    }

    @Test
    void addBiasIsBitwiseEqualAndBiasBackwardWithinOnePpmOfTheDoubleSum() {
        SplittableRandom rng = new SplittableRandom(13);
        double worst = 0;
        for (int n : new int[] {1, 3, 130}) {
            for (int c : CHANNELS) {
                for (int hw : SIZES) {
                    if (n == 130 && hw > 2) {
                        continue;
                    }
                    int off = 5, bOff = 2, len = n * c * hw;
                    float[] xs = uniform(rng, off + len, -1, 1), xv = xs.clone();
                    float[] bias = uniform(rng, bOff + c, -1, 1);
                    SCALAR.addBias(n, c, hw, xs, off, bias, bOff);
                    VECTOR.addBias(n, c, hw, xv, off, bias, bOff);
                    assertBitwise("addBias n" + n + " c" + c + " hw" + hw, xs, xv);

                    float[] dy = uniform(rng, off + len, -1, 1);
                    float[] initial = uniform(rng, bOff + c, -1, 1), ds = initial.clone(), dv = initial.clone();
                    double[] mag = new double[bOff + c];
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < c; j++) {
                            for (int e = 0; e < hw; e++) {
                                mag[bOff + j] += Math.abs(dy[off + (i * c + j) * hw + e]);
                            }
                        }
                    }
                    SCALAR.biasBackward(n, c, hw, dy, off, ds, bOff);
                    VECTOR.biasBackward(n, c, hw, dy, off, dv, bOff);
                    worst = Math.max(worst, assertClose("biasBackward n" + n + " c" + c + " hw" + hw, ds, dv,
                            i -> 1e-6 * (mag[i] + Math.abs(initial[i])) + 1e-12));
                }
            }
        }
        System.out.println("biasBackward: worst error / bound = " + worst);
    }

    @Test
    void resultsAreBitwiseEqualOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(14);
        int len = LONG, n = 3, c = 16, hw = 4096;
        float[] a = uniform(rng, len, -1, 1), b = uniform(rng, len, -1, 1), dy = uniform(rng, n * c * hw, -1, 1);
        float[][] one = onThreads(1, () -> everything(a, b, dy, n, c, hw));
        float[][] two = onThreads(2, () -> everything(a, b, dy, n, c, hw));
        for (int t = 0; t < one.length; t++) {
            assertBitwise("output " + t + " on 1 vs 2 threads", one[t], two[t]);
        }
    }

    private static float[][] everything(float[] a, float[] b, float[] dy, int n, int c, int hw) {
        int len = a.length;
        float[] relu = new float[len], back = new float[len], sum = new float[len], sumRelu = new float[len], acc = b.clone();
        VECTOR.relu(len, a, 0, relu, 0);
        VECTOR.reluBackward(len, a, 0, b, 0, back, 0);
        VECTOR.add(len, a, 0, b, 0, sum, 0);
        VECTOR.addRelu(len, a, 0, b, 0, sumRelu, 0);
        VECTOR.accumulate(len, a, 0, acc, 0);
        float[] biased = dy.clone(), dBias = new float[c];
        VECTOR.addBias(n, c, hw, biased, 0, a, 0);
        VECTOR.biasBackward(n, c, hw, dy, 0, dBias, 0);
        return new float[][] {relu, back, sum, sumRelu, acc, biased, dBias};
    }
}
