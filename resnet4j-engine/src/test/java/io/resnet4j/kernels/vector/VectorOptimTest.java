package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.scalar.ScalarOptim;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The vector optimiser kernels against the scalar references, bitwise, on sizes around the lane count. */
class VectorOptimTest {
    private static final int[] SIZES = {1, 3, Simd.LANES - 1, Simd.LANES, Simd.LANES + 1, 2 * Simd.LANES + 5, 37, 1001};

    @Test
    void sgdIsBitwiseEqualToScalarInEveryMode() {
        SplittableRandom rng = new SplittableRandom(7);
        float[][] modes = {
                // momentum, dampScale, weightDecay, nesterov (1/0), firstStep (1/0)
                {0f, 1f, 0f, 0, 0}, {0f, 1f, 1e-2f, 0, 0}, {0.9f, 1f, 5e-4f, 0, 1}, {0.9f, 1f, 5e-4f, 0, 0},
                {0.9f, 1f, 5e-4f, 1, 0}, {0.9f, 1f, 5e-4f, 1, 1}, {0.8f, 0.7f, 1e-4f, 0, 0},
        };
        for (int len : SIZES) {
            for (float[] m : modes) {
                int off = 3;  // offsets exercise the index arithmetic
                float[] p = random(rng, len + off), g = random(rng, len + off), buf = random(rng, len + off);
                float[] p2 = p.clone(), g2 = g.clone(), buf2 = buf.clone();
                ScalarOptim.INSTANCE.sgd(len, p, off, g, off, buf, off, 0.1f, m[0], m[1], m[2], m[3] == 1, m[4] == 1);
                VectorOptim.INSTANCE.sgd(len, p2, off, g2, off, buf2, off, 0.1f, m[0], m[1], m[2], m[3] == 1, m[4] == 1);
                String what = "len " + len + " mode " + java.util.Arrays.toString(m);
                assertThat(p2).as(what).containsExactly(p);
                assertThat(buf2).as(what).containsExactly(buf);
                assertThat(g2).as(what).containsExactly(g);
            }
        }
    }

    @Test
    void sgdWithoutMomentumDoesNotNeedABuffer() {
        float[] p = {1f, 2f, 3f}, g = {1f, 1f, 1f};
        VectorOptim.INSTANCE.sgd(3, p, 0, g, 0, null, 0, 0.5f, 0f, 1f, 0f, false, true);
        assertThat(p).containsExactly(0.5f, 1.5f, 2.5f);
    }

    @Test
    void emaIsBitwiseEqualToScalar() {
        SplittableRandom rng = new SplittableRandom(8);
        for (int len : SIZES) {
            float[] e = random(rng, len + 1), x = random(rng, len + 1), e2 = e.clone();
            ScalarOptim.INSTANCE.ema(len, e, 1, x, 1, 0.999f, (float) (1 - 0.999));
            VectorOptim.INSTANCE.ema(len, e2, 1, x, 1, 0.999f, (float) (1 - 0.999));
            assertThat(e2).as("len %d", len).containsExactly(e);
        }
    }

    @Test
    void allFiniteFindsNaNAndInfinityAnywhere() {
        for (int len : SIZES) {
            float[] x = new float[len + 2];
            assertThat(VectorOptim.INSTANCE.allFinite(len, x, 1)).isTrue();
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                for (int at : new int[] {0, len / 2, len - 1}) {
                    x[1 + at] = bad;
                    assertThat(VectorOptim.INSTANCE.allFinite(len, x, 1)).as("len %d, %s at %d", len, bad, at).isFalse();
                    assertThat(ScalarOptim.INSTANCE.allFinite(len, x, 1)).as("len %d, %s at %d", len, bad, at).isFalse();
                    x[1 + at] = 0f;
                }
            }
            // values outside the range are not looked at
            x[0] = Float.NaN;
            x[len + 1] = Float.NaN;
            assertThat(VectorOptim.INSTANCE.allFinite(len, x, 1)).isTrue();
            x[0] = 0;
            x[len + 1] = 0;
        }
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }
}
