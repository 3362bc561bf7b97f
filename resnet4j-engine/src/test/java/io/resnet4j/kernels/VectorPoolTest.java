package io.resnet4j.kernels;

import io.resnet4j.kernels.scalar.ScalarPool;
import io.resnet4j.kernels.vector.VectorPool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static io.resnet4j.kernels.TwinChecks.SIZES;
import static io.resnet4j.kernels.TwinChecks.assertBitwise;
import static io.resnet4j.kernels.TwinChecks.assertClose;
import static io.resnet4j.kernels.TwinChecks.onThreads;
import static io.resnet4j.kernels.TwinChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * VectorPool against ScalarPool. Max pool forward (values and argmax) and backward, average pool backward and
 * global average pool backward are bitwise equal; average pool forward sums in float (the reference in double)
 * and must agree to 1e-6 of the window's mean |x|; global average pool forward to 1e-6 of the plane's mean |x|.
 */
class VectorPoolTest {
    private static final PoolOps SCALAR = ScalarPool.INSTANCE, VECTOR = VectorPool.INSTANCE;

    @Test
    void kernelsPicksTheVectorTwin() {
        assertThat(Kernels.POOL).isSameAs(VECTOR);
    }

    /** Window shapes over an h x w input: the ResNet stem's 3x3/2 pad 1, stride 1, 2x2/2, odd strides, rectangles. */
    private static List<PoolGeometry> geometries(int n, int c, int h, int w) {
        List<PoolGeometry> gs = new ArrayList<>();
        int[][] specs = {
                // kh, kw, sh, sw, padT, padL, padB, padR
                {3, 3, 2, 2, 1, 1, 1, 1},
                {3, 3, 1, 1, 1, 1, 1, 1},
                {3, 3, 1, 1, 0, 0, 0, 0},
                {2, 2, 2, 2, 0, 0, 0, 0},
                {3, 3, 3, 3, 1, 1, 0, 0},
                {1, 3, 1, 2, 0, 1, 0, 2},
                {5, 2, 2, 1, 2, 0, 1, 1},
        };
        for (int[] s : specs) {
            if (h + s[4] + s[6] >= s[0] && w + s[5] + s[7] >= s[1]) {
                gs.add(new PoolGeometry(n, c, h, w, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], true));
                gs.add(new PoolGeometry(n, c, h, w, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], false));
            }
        }
        return gs;
    }

    private static List<PoolGeometry> allGeometries() {
        List<PoolGeometry> all = new ArrayList<>();
        for (int h : new int[] {1, 2, 9, 17}) {
            for (int w : SIZES) {
                all.addAll(geometries(h % 2 == 0 ? 1 : 3, h % 2 == 0 ? 2 : 1, h, w));
            }
        }
        return all;
    }

    /**
     * Values drawn from a few levels so that windows hold ties, with a sprinkle of NaN and -infinity
     * (all -infinity windows keep the first in-bounds cell).
     */
    private static float[] tiesAndNans(SplittableRandom rng, int off, int len) {
        float[] x = new float[off + len];
        for (int i = 0; i < x.length; i++) {
            int r = rng.nextInt(100);
            x[i] = r < 3 ? Float.NaN : r < 20 ? Float.NEGATIVE_INFINITY : rng.nextInt(4) - 1.5f;
        }
        return x;
    }

    @Test
    void maxPoolValuesArgmaxAndGradientAreBitwiseEqual() {
        SplittableRandom rng = new SplittableRandom(31);
        int checked = 0;
        for (PoolGeometry g : allGeometries()) {
            if (!g.countIncludePad()) {
                continue;
            }
            for (int variant = 0; variant < 2; variant++) {
                int xo = 3, yo = 5;
                float[] x = variant == 0 ? uniform(rng, xo + g.inputSize(), -1, 1) : tiesAndNans(rng, xo, g.inputSize());
                float[] ys = new float[yo + g.outputSize()], yv = ys.clone();
                int[] as = new int[g.outputSize()], av = new int[g.outputSize()];
                SCALAR.maxForward(g, x, xo, ys, yo, as);
                VECTOR.maxForward(g, x, xo, yv, yo, av);
                assertBitwise("max y " + g, ys, yv);
                assertBitwise("argmax " + g, as, av);
                // values only (argmax null, inference): the same values
                float[] yns = new float[ys.length], ynv = new float[ys.length];
                SCALAR.maxForward(g, x, xo, yns, yo, null);
                VECTOR.maxForward(g, x, xo, ynv, yo, null);
                assertBitwise("max y without argmax (scalar) " + g, ys, yns);
                assertBitwise("max y without argmax (vector) " + g, ys, ynv);

                float[] dy = uniform(rng, yo + g.outputSize(), -1, 1);
                float[] dxs = uniform(rng, xo + g.inputSize(), -1, 1), dxv = dxs.clone();
                SCALAR.maxBackward(g, dy, yo, as, dxs, xo);
                VECTOR.maxBackward(g, dy, yo, av, dxv, xo);
                assertBitwise("max dx " + g, dxs, dxv);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(100);
    }

    @Test
    void maxPoolFollowsTorchTieAndNanRules() {
        // One plane, 1 x 40, window 1x3 stride 2 pad 1: outputs 0..19 cover columns 2b-1 .. 2b+1.
        PoolGeometry g = new PoolGeometry(1, 1, 1, 40, 1, 3, 1, 2, 0, 1, 0, 1, true);
        float[] x = new float[40];
        Arrays.fill(x, 2f);                      // all ties: the first in-bounds cell wins
        x[10] = Float.NaN;                       // output 5 covers columns 9..11
        x[21] = Float.NaN;
        x[23] = Float.NaN;                       // output 11 covers 21..23: two NaNs, the last one wins
        x[30] = 5f;
        x[31] = 5f;                              // output 15 covers 29..31: tie at 5, the first (30) wins
        float[] y = new float[g.outputSize()];
        int[] arg = new int[g.outputSize()];
        VECTOR.maxForward(g, x, 0, y, 0, arg);
        assertThat(arg[0]).isEqualTo(0);         // columns -1..1: first in-bounds cell
        assertThat(arg[3]).isEqualTo(5);         // columns 5..7, all 2: the first
        assertThat(y[5]).isNaN();
        assertThat(arg[5]).isEqualTo(10);
        assertThat(y[11]).isNaN();
        assertThat(arg[11]).isEqualTo(23);
        assertThat(y[15]).isEqualTo(5f);
        assertThat(arg[15]).isEqualTo(30);
        assertThat(arg[16]).isEqualTo(31);       // columns 31..33: 5 at 31 beats the 2s
    }

    @Test
    void averagePoolMatchesTheReference() {
        SplittableRandom rng = new SplittableRandom(32);
        double worst = 0;
        for (PoolGeometry g : allGeometries()) {
            int xo = 4, yo = 6;
            float[] x = uniform(rng, xo + g.inputSize(), -1, 1);
            float[] ys = new float[yo + g.outputSize()], yv = ys.clone();
            SCALAR.avgForward(g, x, xo, ys, yo);
            VECTOR.avgForward(g, x, xo, yv, yo);
            // Inputs lie in [-1, 1): a window's sum of at most kh * kw terms errs by < kh * kw ulp(kh * kw).
            worst = Math.max(worst, assertClose("avg y " + g, ys, yv, e -> e < yo ? 0 : 1e-6));

            float[] dy = uniform(rng, yo + g.outputSize(), -1, 1);
            float[] dxs = uniform(rng, xo + g.inputSize(), -1, 1), dxv = dxs.clone();
            SCALAR.avgBackward(g, dy, yo, dxs, xo);
            VECTOR.avgBackward(g, dy, yo, dxv, xo);
            assertBitwise("avg dx " + g, dxs, dxv);
        }
        System.out.println("avg pool: worst error / bound = " + worst);
    }

    @Test
    void globalAveragePoolMatchesTheReference() {
        SplittableRandom rng = new SplittableRandom(33);
        double worst = 0;
        for (int planes : new int[] {1, 3, 5, 16, 51}) {
            for (int hw : new int[] {1, 2, 7, 9, 15, 17, 49, 63, 64, 65, 3000}) {
                int xo = 3, yo = 2;
                float[] x = uniform(rng, xo + planes * hw, 0.5, 1.5);
                float[] ys = new float[yo + planes], yv = ys.clone();
                SCALAR.globalAvgForward(planes, hw, x, xo, ys, yo);
                VECTOR.globalAvgForward(planes, hw, x, xo, yv, yo);
                worst = Math.max(worst, assertClose("gap y planes " + planes + " hw " + hw, ys, yv,
                        e -> e < yo ? 0 : 1.5e-6));

                float[] dy = uniform(rng, yo + planes, -1, 1);
                float[] dxs = uniform(rng, xo + planes * hw, -1, 1), dxv = dxs.clone();
                SCALAR.globalAvgBackward(planes, hw, dy, yo, dxs, xo);
                VECTOR.globalAvgBackward(planes, hw, dy, yo, dxv, xo);
                assertBitwise("gap dx planes " + planes + " hw " + hw, dxs, dxv);
            }
        }
        System.out.println("global avg pool: worst error / bound = " + worst);
    }

    @Test
    void resultsAreBitwiseEqualOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(34);
        // 16 planes of 65 x 63: two tasks of 9 and 7 planes.
        PoolGeometry stem = PoolGeometry.of(2, 8, 65, 63, 3, 2, 1);
        PoolGeometry avg = PoolGeometry.of(2, 8, 65, 63, 3, 1, 1);
        float[] x = tiesAndNans(rng, 0, stem.inputSize());
        float[] xs = uniform(rng, stem.inputSize(), -1, 1);
        float[] dy = uniform(rng, stem.inputSize(), -1, 1);
        float[][] one = onThreads(1, () -> everything(stem, avg, x, xs, dy));
        float[][] two = onThreads(2, () -> everything(stem, avg, x, xs, dy));
        for (int t = 0; t < one.length; t++) {
            assertBitwise("output " + t + " on 1 vs 2 threads", one[t], two[t]);
        }
    }

    private static float[][] everything(PoolGeometry stem, PoolGeometry avg, float[] x, float[] xs, float[] dy) {
        float[] y = new float[stem.outputSize()], dx = new float[stem.inputSize()];
        int[] arg = new int[stem.outputSize()];
        VECTOR.maxForward(stem, x, 0, y, 0, arg);
        VECTOR.maxBackward(stem, dy, 0, arg, dx, 0);
        float[] argAsFloat = new float[arg.length];
        for (int i = 0; i < arg.length; i++) {
            argAsFloat[i] = arg[i];
        }
        float[] ya = new float[avg.outputSize()], dxa = new float[avg.inputSize()];
        VECTOR.avgForward(avg, xs, 0, ya, 0);
        VECTOR.avgBackward(avg, dy, 0, dxa, 0);
        int planes = stem.n() * stem.c(), hw = stem.h() * stem.w();
        float[] gy = new float[planes], gdx = new float[planes * hw];
        VECTOR.globalAvgForward(planes, hw, xs, 0, gy, 0);
        VECTOR.globalAvgBackward(planes, hw, dy, 0, gdx, 0);
        return new float[][] {y, argAsFloat, dx, ya, dxa, gy, gdx};
    }
}
