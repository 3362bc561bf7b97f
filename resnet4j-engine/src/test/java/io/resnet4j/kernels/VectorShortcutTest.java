package io.resnet4j.kernels;

import io.resnet4j.kernels.scalar.ScalarShortcut;
import io.resnet4j.kernels.vector.VectorShortcut;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.resnet4j.kernels.TwinChecks.BATCHES;
import static io.resnet4j.kernels.TwinChecks.CHANNELS;
import static io.resnet4j.kernels.TwinChecks.SIZES;
import static io.resnet4j.kernels.TwinChecks.assertBitwise;
import static io.resnet4j.kernels.TwinChecks.onThreads;
import static io.resnet4j.kernels.TwinChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/** VectorShortcut against ScalarShortcut: pure data movement, so bitwise equal (outputs start as garbage). */
class VectorShortcutTest {
    private static final ShortcutOps SCALAR = ScalarShortcut.INSTANCE, VECTOR = VectorShortcut.INSTANCE;

    @Test
    void kernelsPicksTheVectorTwin() {
        assertThat(Kernels.SHORTCUT).isSameAs(VECTOR);
    }

    @Test
    void forwardAndBackwardAreBitwiseEqual() {
        SplittableRandom rng = new SplittableRandom(51);
        int checked = 0;
        for (int n : BATCHES) {
            for (int c : CHANNELS) {
                for (int k : new int[] {c, 2 * c + 3}) {
                    for (int stride : new int[] {1, 2, 3}) {
                        for (int w : SIZES) {
                            int h = SIZES[(w + c + stride) % SIZES.length];
                            check(rng, n, c, h, w, k, stride);
                            checked++;
                        }
                    }
                }
            }
        }
        // The CIFAR transitions: 16 -> 32 at 32 x 32, 32 -> 64 at 16 x 16.
        check(rng, 3, 16, 32, 32, 32, 2);
        check(rng, 3, 32, 16, 16, 64, 2);
        assertThat(checked).isEqualTo(2 * 5 * 2 * 3 * 10);
    }

    private static void check(SplittableRandom rng, int n, int c, int h, int w, int k, int stride) {
        String at = "n" + n + " c" + c + " " + h + "x" + w + " k" + k + " stride " + stride;
        int p = (h + stride - 1) / stride, q = (w + stride - 1) / stride, xo = 3, yo = 5;
        float[] x = uniform(rng, xo + n * c * h * w, -1, 1);
        float[] ys = uniform(rng, yo + n * k * p * q, -1, 1), yv = ys.clone();
        SCALAR.forward(n, c, h, w, k, stride, x, xo, ys, yo);
        VECTOR.forward(n, c, h, w, k, stride, x, xo, yv, yo);
        assertBitwise("forward " + at, ys, yv);

        float[] dy = uniform(rng, yo + n * k * p * q, -1, 1);
        float[] dxs = uniform(rng, xo + n * c * h * w, -1, 1), dxv = dxs.clone();
        SCALAR.backward(n, c, h, w, k, stride, dy, yo, dxs, xo);
        VECTOR.backward(n, c, h, w, k, stride, dy, yo, dxv, xo);
        assertBitwise("backward " + at, dxs, dxv);
    }

    @Test
    void resultsAreBitwiseEqualOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(52);
        int n = 4, c = 16, h = 64, w = 64, k = 32, p = 32, q = 32;
        float[] x = uniform(rng, n * c * h * w, -1, 1), dy = uniform(rng, n * k * p * q, -1, 1);
        float[][] one = onThreads(1, () -> run(n, c, h, w, k, x, dy));
        float[][] two = onThreads(2, () -> run(n, c, h, w, k, x, dy));
        assertBitwise("forward on 1 vs 2 threads", one[0], two[0]);
        assertBitwise("backward on 1 vs 2 threads", one[1], two[1]);
    }

    private static float[][] run(int n, int c, int h, int w, int k, float[] x, float[] dy) {
        float[] y = new float[dy.length], dx = new float[x.length];
        VECTOR.forward(n, c, h, w, k, 2, x, 0, y, 0);
        VECTOR.backward(n, c, h, w, k, 2, dy, 0, dx, 0);
        return new float[][] {y, dx};
    }
}
