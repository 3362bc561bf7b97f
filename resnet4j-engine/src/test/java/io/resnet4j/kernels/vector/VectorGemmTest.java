package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.Parallel;
import io.resnet4j.kernels.scalar.ScalarGemm;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * VectorGemm against the scalar reference (double accumulation) on odd sizes that leave partial tiles and
 * vector tails, with every micro-kernel tile, transposes, accumulate, offsets and leading dims > width.
 * Tolerance per element: |vector - scalar| <= 2e-5 * sum|a_ik * b_kj| (+ |c| when accumulating) + 1e-6,
 * the magnitude computed by the reference on |A|, |B|, |C|.
 */
class VectorGemmTest {
    private static final int[] SIZES = {1, 5, 7, 13, 17, 33, 67};

    @Test
    void everyTileMatchesTheScalarReferenceOnOddSizes() {
        SplittableRandom rng = new SplittableRandom(7);
        int run = 0;
        for (MicroKernel mk : MicroKernel.all()) {
            VectorGemm gemm = new VectorGemm(Tuning.DEFAULT.withKernel(mk));
            for (int m : SIZES) {
                for (int n : SIZES) {
                    for (int k : new int[]{1, 17, 67}) {
                        boolean transA = (run & 1) != 0, transB = (run & 2) != 0, acc = (run % 3) == 0;
                        check(gemm, transA, transB, m, n, k, acc, rng);
                        run++;
                    }
                }
            }
        }
    }

    /**
     * runFinish, for every tile, is bitwise run followed by Epilogue's rule on each row (bias of the row, then
     * ReLU), with sums that come out negative, exactly -0 or +0, and NaN, and with C loaded or not.
     */
    @Test
    void everyTileFinishesBitwiseAsRunThenTheEpilogue() {
        SplittableRandom rng = new SplittableRandom(17);
        for (MicroKernel mk : MicroKernel.all()) {
            int kc = 5, ldc = mk.nr + 3, ci = 2, biasOff = 1;
            float[] a = random(rng, kc * mk.mr), b = random(rng, kc * mk.nr);
            // row 0 of A is -0, so its sums are zeros of either sign (C's first element is -0); row 1 holds a NaN
            for (int kk = 0; kk < kc; kk++) {
                // -0 x positive: C's -0 in column 0 of row 0 stays -0 when loaded
                a[kk * mk.mr] = -0f;
                b[kk * mk.nr] = Math.abs(b[kk * mk.nr]) + 0.5f;
                a[kk * mk.mr + 1] = kk == 2 ? Float.NaN : a[kk * mk.mr + 1];
            }
            float[] c0 = random(rng, ci + mk.mr * ldc);
            c0[ci] = -0f;
            for (boolean load : new boolean[]{false, true}) {
                for (int mode = 0; mode < 3; mode++) {
                    // bias and ReLU, bias only, ReLU only; a bias of -0 on row 2
                    float[] bias = mode == 2 ? null : random(rng, biasOff + mk.mr);
                    if (bias != null) {
                        bias[biasOff + 2] = -0f;
                    }
                    boolean relu = mode != 1;
                    float[] expected = c0.clone(), actual = c0.clone();
                    mk.run(kc, a, 0, b, 0, expected, ci, ldc, load);
                    for (int r = 0; r < mk.mr; r++) {
                        for (int j = 0; j < mk.nr; j++) {
                            int e = ci + r * ldc + j;
                            float v = bias != null ? expected[e] + bias[biasOff + r] : expected[e];
                            expected[e] = relu && v < 0f ? 0f : v;
                        }
                    }
                    mk.runFinish(kc, a, 0, b, 0, actual, ci, ldc, load, bias, biasOff, relu);
                    for (int e = 0; e < expected.length; e++) {
                        if (Float.floatToRawIntBits(actual[e]) != Float.floatToRawIntBits(expected[e])) {
                            fail("%s load %s mode %d: element %d is %s, expected %s", mk, load, mode, e, actual[e],
                                    expected[e]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void crossesKAndMBlocksAndSplitsIntoTasks() {
        SplittableRandom rng = new SplittableRandom(11);
        for (MicroKernel mk : new MicroKernel[]{Tuning.DEFAULT.kernel(), new MicroKernel.K8x3()}) {
            VectorGemm gemm = new VectorGemm(Tuning.DEFAULT.withKernel(mk));
            check(gemm, false, false, 203, 61, 801, true, rng);
            check(gemm, true, true, 97, 900, 390, false, rng);
        }
        check(VectorGemm.INSTANCE, false, true, 4, 3000, 131, false, rng);
        check(VectorGemm.INSTANCE, true, false, 500, 9, 77, true, rng);
    }

    @Test
    void resultsAreBitwiseEqualOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(3);
        int m = 150, n = 333, k = 700;
        float[] a = random(rng, m * k), b = random(rng, k * n), c0 = random(rng, m * n);
        int defaultThreads = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = c0.clone();
            VectorGemm.INSTANCE.sgemm(false, false, m, n, k, a, 0, k, b, 0, n, one, 0, n, true);
            Parallel.setThreads(2);
            float[] two = c0.clone();
            VectorGemm.INSTANCE.sgemm(false, false, m, n, k, a, 0, k, b, 0, n, two, 0, n, true);
            assertThat(two).isEqualTo(one);
        } finally {
            Parallel.setThreads(defaultThreads);
        }
    }

    /**
     * gemvBias (a few rows, w packed once into panels) is bitwise sgemm(false, true) followed by the bias: whole
     * panels, a last partial panel, 1 to 7 rows (groups of 4 and a remainder), k = 0, offsets; and within the scalar
     * reference's tolerance.
     */
    @Test
    void gemvBiasIsTheGemmFollowedByTheBiasBitwise() {
        SplittableRandom rng = new SplittableRandom(31);
        int[][] shapes = {{1, 1000, 2048}, {1, 37, 19}, {3, 17, 5}, {4, 33, 64}, {5, 16, 7}, {7, 50, 33}, {2, 3, 1},
                {1, 16, 0}, {6, 129, 40}};
        for (int[] sh : shapes) {
            int n = sh[0], m = sh[1], k = sh[2], xOff = 3, wOff = 2, bOff = 1, yOff = 4;
            float[] x = random(rng, xOff + n * k + 2), w = random(rng, wOff + m * k + 2), bias = random(rng, bOff + m + 2);
            float[] y0 = random(rng, yOff + n * m + 3);
            float[] expected = y0.clone();
            VectorGemm.INSTANCE.sgemm(false, true, n, m, k, x, xOff, k, w, wOff, k, expected, yOff, m, false);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    expected[yOff + i * m + j] += bias[bOff + j];
                }
            }
            float[] actual = y0.clone();
            VectorGemm.INSTANCE.gemvBias(n, m, k, x, xOff, VectorGemm.INSTANCE.packGemv(m, k, w, wOff), bias, bOff,
                    actual, yOff);
            assertThat(actual).as("n=%d m=%d k=%d", n, m, k).isEqualTo(expected);
            float[] reference = y0.clone();
            ScalarGemm.INSTANCE.gemvBias(n, m, k, x, xOff, ScalarGemm.INSTANCE.packGemv(m, k, w, wOff), bias, bOff,
                    reference, yOff);
            for (int e = 0; e < reference.length; e++) {
                assertThat((double) actual[e]).as("n=%d m=%d k=%d element %d", n, m, k, e)
                        .isCloseTo(reference[e], org.assertj.core.data.Offset.offset(1e-4 * Math.sqrt(k + 1) + 1e-6));
            }
        }
    }

    @Test
    void kZeroClearsOrKeepsC() {
        float[] c = {1, 2, 3, 4};
        VectorGemm.INSTANCE.sgemm(false, false, 2, 2, 0, new float[0], 0, 1, new float[0], 0, 2, c, 0, 2, true);
        assertThat(c).containsExactly(1, 2, 3, 4);
        VectorGemm.INSTANCE.sgemm(false, false, 2, 2, 0, new float[0], 0, 1, new float[0], 0, 2, c, 0, 2, false);
        assertThat(c).containsExactly(0, 0, 0, 0);
    }

    private static void check(VectorGemm gemm, boolean transA, boolean transB, int m, int n, int k, boolean acc,
                              SplittableRandom rng) {
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 5;
        int aOff = 4, bOff = 1, cOff = 6;
        float[] a = random(rng, aOff + (transA ? k : m) * lda);
        float[] b = random(rng, bOff + (transB ? n : k) * ldb);
        float[] c = random(rng, cOff + m * ldc + 3);
        float[] expected = c.clone();
        ScalarGemm.INSTANCE.sgemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, expected, cOff, ldc, acc);
        float[] magnitude = abs(c);
        ScalarGemm.INSTANCE.sgemm(transA, transB, m, n, k, abs(a), aOff, lda, abs(b), bOff, ldb, magnitude, cOff, ldc, acc);
        float[] actual = c.clone();
        gemm.sgemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, actual, cOff, ldc, acc);
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - cOff;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside) {
                if (Float.floatToRawIntBits(actual[idx]) != Float.floatToRawIntBits(c[idx])) {
                    fail("%s wrote outside C at %d (m=%d n=%d k=%d)", gemm, idx, m, n, k);
                }
                continue;
            }
            double tol = 2e-5 * magnitude[idx] + 1e-6;
            if (!(Math.abs(actual[idx] - expected[idx]) <= tol)) {
                fail("%s transA=%s transB=%s m=%d n=%d k=%d acc=%s: C[%d,%d] = %s, expected %s (tol %s)", gemm,
                        transA, transB, m, n, k, acc, rel / ldc, rel % ldc, actual[idx], expected[idx], tol);
            }
        }
    }

    /**
     * The split by traffic: few columns and many rows (a batch-1 1x1 convolution, 2048 x 56 x 512) split by rows,
     * so that each task reads its rows of A once; many columns (a batch of 128 images) by columns, as before
     * (columns first: one task per B panel of the 56 columns, 4 with 16-column panels, 2 with 48).
     */
    @Test
    void splitsBySmallerTraffic() {
        GemmDriver.MatrixGemm g = new GemmDriver.MatrixGemm();
        g.m = 2048;
        g.n = 56;
        g.kdim = 512;
        g.plan(Tuning.DEFAULT.withSplitB(2));
        assertThat(g.tasksN()).isEqualTo(1);
        assertThat(g.tasks()).isBetween(8, 16);
        g.plan(Tuning.DEFAULT.withSplitB(0));
        int nr = Tuning.DEFAULT.kernel().nr;
        assertThat(g.tasksN()).isEqualTo((56 + nr - 1) / nr);
        g.m = 64;
        g.n = 8192;
        g.kdim = 288;
        g.plan(Tuning.DEFAULT.withSplitB(2));
        assertThat(g.tasks()).isEqualTo(16);
        assertThat(g.tasksN()).isEqualTo(16);
    }

    static float[] random(SplittableRandom rng, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    static float[] abs(float[] a) {
        float[] r = Arrays.copyOf(a, a.length);
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.abs(r[i]);
        }
        return r;
    }
}
