package io.resnet4j.kernels;

import io.resnet4j.kernels.scalar.ScalarNorm;
import io.resnet4j.kernels.vector.VectorNorm;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.resnet4j.kernels.TwinChecks.BATCHES;
import static io.resnet4j.kernels.TwinChecks.CHANNELS;
import static io.resnet4j.kernels.TwinChecks.SIZES;
import static io.resnet4j.kernels.TwinChecks.assertBitwise;
import static io.resnet4j.kernels.TwinChecks.assertClose;
import static io.resnet4j.kernels.TwinChecks.gaussian;
import static io.resnet4j.kernels.TwinChecks.onThreads;
import static io.resnet4j.kernels.TwinChecks.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * VectorNorm against the double-precision ScalarNorm. Tolerances, relative to the size of the terms that
 * make up each value (float rounding of those terms is the error we expect):
 * <ul>
 *   <li>batch mean: 1e-6 of (|mean| + std); batch variance: 1e-5 relative (+1e-12 absolute);</li>
 *   <li>y: 1e-5 of (|gamma * xhat| + |beta|) + 1e-7;</li>
 *   <li>dx: 1e-5 of (|scale * dy| + |scale * sumDy / N| + |scale * xhat * sumDyXhat / N|) + 1e-9;</li>
 *   <li>dGamma, dBeta: 1e-5 of (sum |dy * xhat| resp. sum |dy|, plus the accumulated start value).</li>
 * </ul>
 * Inputs have per-channel means away from zero (and one case with |mean| = 1000 * std) so a naive
 * float algorithm would fail these bounds.
 */
class VectorNormTest {
    private static final NormOps SCALAR = ScalarNorm.INSTANCE, VECTOR = VectorNorm.INSTANCE;
    private static final float EPS = 1e-5f;

    @Test
    void kernelsPicksTheVectorTwin() {
        assertThat(Kernels.NORM).isSameAs(VECTOR);
    }

    /** x (n, c, hw) with channel j centred at shift * (j - 2) and spread scale * (1 + j / 4). */
    private static float[] input(SplittableRandom rng, int off, int n, int c, int hw, double shift, double scale) {
        float[] x = new float[off + n * c * hw];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                float[] plane = gaussian(rng, hw, shift * (j - 2), scale * (1 + j / 4.0));
                System.arraycopy(plane, 0, x, off + (i * c + j) * hw, hw);
            }
        }
        return x;
    }

    @Test
    void trainingForwardAndBackwardMatchTheDoubleReference() {
        SplittableRandom rng = new SplittableRandom(21);
        double[] worst = new double[6];
        for (int n : BATCHES) {
            for (int c : CHANNELS) {
                for (int hw : SIZES) {
                    check(rng, n, c, hw, 1.5, 2.0, worst);
                }
            }
        }
        // Far from zero: |mean| ~ 1000 std.
        check(rng, 3, 5, 65, 1000.0, 1.0, worst);
        check(rng, 2, 3, 3000, 1000.0, 1.0, worst);
        // 17 channels of 3 x 2053: split into three tasks on the pool (the other sizes run in one).
        check(rng, 3, 17, 2053, 1.5, 2.0, worst);
        System.out.printf("norm worst error / bound: mean %.3f var %.3f y %.3f dx %.3f dGamma %.3f dBeta %.3f%n",
                worst[0], worst[1], worst[2], worst[3], worst[4], worst[5]);
    }

    private static void check(SplittableRandom rng, int n, int c, int hw, double shift, double scale, double[] worst) {
        String at = "n" + n + " c" + c + " hw" + hw + " shift" + shift;
        int xo = 3, yo = 5, len = n * c * hw;
        float[] x = input(rng, xo, n, c, hw, shift, scale);
        float[] gamma = uniform(rng, c, 0.5, 1.5), beta = uniform(rng, c, -1, 1);
        float[] ys = new float[yo + len], yv = new float[yo + len];
        float[] ms = new float[c], vs = new float[c], mv = new float[c], vv = new float[c];
        SCALAR.forwardTrain(n, c, hw, x, xo, ys, yo, gamma, beta, EPS, ms, vs);
        VECTOR.forwardTrain(n, c, hw, x, xo, yv, yo, gamma, beta, EPS, mv, vv);

        worst[0] = Math.max(worst[0], assertClose("mean " + at, ms, mv, j -> 1e-6 * (Math.abs(ms[j]) + Math.sqrt(vs[j])) + 1e-12));
        worst[1] = Math.max(worst[1], assertClose("var " + at, vs, vv, j -> 1e-5 * vs[j] + 1e-12));
        worst[2] = Math.max(worst[2], assertClose("y " + at, ys, yv, e -> {
            if (e < yo) {
                return 0;
            }
            int j = ((e - yo) / hw) % c;
            double xhat = (x[xo + e - yo] - (double) ms[j]) / Math.sqrt(vs[j] + (double) EPS);
            return 1e-5 * (Math.abs(gamma[j] * xhat) + Math.abs(beta[j])) + 1e-7;
        }));

        for (boolean batchStats : new boolean[] {true, false}) {
            String atB = at + (batchStats ? " batch stats" : " running stats");
            float[] dy = uniform(rng, yo + len, -1, 1);
            float[] mean = batchStats ? ms : uniform(rng, c, -1, 1);
            float[] var = batchStats ? vs : uniform(rng, c, 0.5, 2);
            float[] dxs = uniform(rng, xo + len, -1, 1), dxv = dxs.clone();
            float[] g0 = uniform(rng, c, -1, 1), b0 = uniform(rng, c, -1, 1);
            float[] dgs = g0.clone(), dbs = b0.clone(), dgv = g0.clone(), dbv = b0.clone();
            SCALAR.backward(n, c, hw, x, xo, dy, yo, gamma, mean, var, EPS, batchStats, dxs, xo, dgs, dbs);
            VECTOR.backward(n, c, hw, x, xo, dy, yo, gamma, mean, var, EPS, batchStats, dxv, xo, dgv, dbv);

            // Term magnitudes in double: sums of |dy * xhat|, |dy| and the true sums per channel.
            double[] absDyXhat = new double[c], absDy = new double[c], sumDy = new double[c], sumDyXhat = new double[c];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < c; j++) {
                    double inv = 1 / Math.sqrt(var[j] + (double) EPS);
                    for (int e = 0; e < hw; e++) {
                        int k = (i * c + j) * hw + e;
                        double g = dy[yo + k], xhat = (x[xo + k] - (double) mean[j]) * inv;
                        absDyXhat[j] += Math.abs(g * xhat);
                        absDy[j] += Math.abs(g);
                        sumDy[j] += g;
                        sumDyXhat[j] += g * xhat;
                    }
                }
            }
            double count = (double) n * hw;
            worst[3] = Math.max(worst[3], assertClose("dx " + atB, dxs, dxv, e -> {
                if (e < xo) {
                    return 0;
                }
                int j = ((e - xo) / hw) % c;
                double inv = 1 / Math.sqrt(var[j] + (double) EPS), s = gamma[j] * inv;
                double xhat = (x[e] - (double) mean[j]) * inv;
                double terms = Math.abs(s * dy[yo + e - xo]);
                if (batchStats) {
                    terms += Math.abs(s * sumDy[j] / count) + Math.abs(s * xhat * sumDyXhat[j] / count);
                }
                return 1e-5 * terms + 1e-9;
            }));
            worst[4] = Math.max(worst[4], assertClose("dGamma " + atB, dgs, dgv, j -> 1e-5 * (absDyXhat[j] + Math.abs(g0[j])) + 1e-9));
            worst[5] = Math.max(worst[5], assertClose("dBeta " + atB, dbs, dbv, j -> 1e-5 * (absDy[j] + Math.abs(b0[j])) + 1e-9));
        }
    }

    @Test
    void evalForwardMatchesTheDoubleReference() {
        SplittableRandom rng = new SplittableRandom(22);
        double worst = 0;
        for (int n : BATCHES) {
            for (int c : CHANNELS) {
                for (int hw : SIZES) {
                    worst = Math.max(worst, checkEval(rng, n, c, hw));
                }
            }
        }
        // 51 planes of 2053: split into four tasks on the pool.
        worst = Math.max(worst, checkEval(rng, 3, 17, 2053));
        System.out.println("norm eval: worst error / bound = " + worst);
    }

    private static double checkEval(SplittableRandom rng, int n, int c, int hw) {
        int xo = 2, yo = 7, len = n * c * hw;
        float[] x = input(rng, xo, n, c, hw, 1.5, 2.0);
        float[] gamma = uniform(rng, c, 0.5, 1.5), beta = uniform(rng, c, -1, 1);
        float[] rm = uniform(rng, c, -3, 3), rv = uniform(rng, c, 0.5, 4);
        float[] ys = new float[yo + len], yv = new float[yo + len];
        SCALAR.forwardEval(n, c, hw, x, xo, ys, yo, gamma, beta, rm, rv, EPS);
        VECTOR.forwardEval(n, c, hw, x, xo, yv, yo, gamma, beta, rm, rv, EPS);
        return assertClose("eval y n" + n + " c" + c + " hw" + hw, ys, yv, e -> {
            if (e < yo) {
                return 0;
            }
            int j = ((e - yo) / hw) % c;
            double xhat = (x[xo + e - yo] - (double) rm[j]) / Math.sqrt(rv[j] + (double) EPS);
            return 1e-5 * (Math.abs(gamma[j] * xhat) + Math.abs(beta[j])) + 1e-7;
        });
    }

    /**
     * The fused BN + ReLU kernels equal, bit for bit, the same implementation's unfused kernel followed by the
     * ReLU kernels (the scalar side runs NormOps' default methods, the reference); backward also with dx == dy.
     */
    @Test
    void fusedReluIsBitwiseTheUnfusedKernelThenRelu() {
        SplittableRandom rng = new SplittableRandom(24);
        ElementwiseOps[] relus = {io.resnet4j.kernels.scalar.ScalarElementwise.INSTANCE,
                io.resnet4j.kernels.vector.VectorElementwise.INSTANCE};
        NormOps[] norms = {SCALAR, VECTOR};
        for (int impl = 0; impl < 2; impl++) {
            NormOps norm = norms[impl];
            ElementwiseOps ew = relus[impl];
            for (int n : BATCHES) {
                for (int c : new int[] {1, 5, 17}) {
                    for (int hw : SIZES) {
                        String at = norm.getClass().getSimpleName() + " n" + n + " c" + c + " hw" + hw;
                        int xo = 3, yo = 5, len = n * c * hw;
                        float[] x = input(rng, xo, n, c, hw, 0.3, 1.0);
                        float[] gamma = uniform(rng, c, 0.5, 1.5), beta = uniform(rng, c, -1, 1);
                        float[] rm = uniform(rng, c, -1, 1), rv = uniform(rng, c, 0.5, 2);
                        // exact zeros before the eval forward's ReLU (x at the running mean, beta 0), which the
                        // mask must treat as y > 0 does
                        for (int j = 0; j < c; j += 2) {
                            beta[j] = 0f;
                            for (int i = 0; i < n; i++) {
                                x[xo + (i * c + j) * hw] = rm[j];
                            }
                        }
                        float[] y = new float[yo + len], yFused = new float[yo + len];
                        float[] m = new float[c], v = new float[c], mf = new float[c], vf = new float[c];
                        float[] trainConsts = new float[NormOps.RELU_CONSTS * c], evalConsts = trainConsts.clone();
                        norm.forwardTrain(n, c, hw, x, xo, y, yo, gamma, beta, EPS, m, v);
                        ew.relu(len, y, yo, y, yo);
                        norm.forwardTrainRelu(n, c, hw, x, xo, yFused, yo, gamma, beta, EPS, mf, vf, trainConsts);
                        assertBitwise("train y " + at, y, yFused);
                        assertBitwise("mean " + at, m, mf);
                        assertBitwise("var " + at, v, vf);

                        float[] ye = new float[yo + len], yeFused = new float[yo + len];
                        norm.forwardEval(n, c, hw, x, xo, ye, yo, gamma, beta, rm, rv, EPS);
                        ew.relu(len, ye, yo, ye, yo);
                        norm.forwardEvalRelu(n, c, hw, x, xo, yeFused, yo, gamma, beta, rm, rv, EPS, evalConsts);
                        assertBitwise("eval y " + at, ye, yeFused);
                        // The vector kernel's backward with the forward's constants masks from x: it must not read y.
                        float[] yUnread = impl == 1 ? uniform(rng, yo + len, -1, 1) : y;
                        float[] yeUnread = impl == 1 ? uniform(rng, yo + len, -1, 1) : ye;

                        for (boolean batchStats : new boolean[] {true, false}) {
                            float[] dy = uniform(rng, yo + len, -1, 1);
                            float[] masked = new float[yo + len], dx = new float[xo + len];
                            float[] dg0 = uniform(rng, c, -1, 1), db0 = uniform(rng, c, -1, 1);
                            float[] dg = dg0.clone(), db = db0.clone();
                            ew.reluBackward(len, y, yo, dy, yo, masked, yo);
                            norm.backward(n, c, hw, x, xo, masked, yo, gamma, m, v, EPS, batchStats, dx, xo, dg, db);
                            String atB = at + (batchStats ? " batch stats" : " running stats");
                            for (boolean consts : new boolean[] {false, true}) {
                                String atC = atB + (consts ? " with the forward's constants" : " masked by y");
                                float[] dgFused = dg0.clone(), dbFused = db0.clone(), dgAlias = dg0.clone(), dbAlias = db0.clone();
                                float[] dxFused = new float[xo + len];
                                norm.backwardRelu(n, c, hw, x, xo, consts ? yUnread : y, yo, consts ? trainConsts : null,
                                        dy, yo, gamma, m, v, EPS, batchStats, dxFused, xo, dgFused, dbFused);
                                assertBitwise("dx " + atC, dx, dxFused);
                                assertBitwise("dGamma " + atC, dg, dgFused);
                                assertBitwise("dBeta " + atC, db, dbFused);
                                // In place: dx overwrites dy.
                                float[] inPlace = new float[xo + len];
                                System.arraycopy(dy, yo, inPlace, xo, len);
                                norm.backwardRelu(n, c, hw, x, xo, consts ? yUnread : y, yo, consts ? trainConsts : null,
                                        inPlace, xo, gamma, m, v, EPS, batchStats, inPlace, xo, dgAlias, dbAlias);
                                assertBitwise("in-place dx " + atC, dx, inPlace);
                                assertBitwise("in-place dGamma " + atC, dg, dgAlias);
                            }
                            // After the eval forward (running statistics), masked by its own output.
                            float[] dxEval = new float[xo + len], dxEvalFused = new float[xo + len];
                            float[] dgEval = dg0.clone(), dbEval = db0.clone(), dgEvalFused = dg0.clone(), dbEvalFused = db0.clone();
                            ew.reluBackward(len, ye, yo, dy, yo, masked, yo);
                            norm.backward(n, c, hw, x, xo, masked, yo, gamma, rm, rv, EPS, batchStats, dxEval, xo, dgEval, dbEval);
                            norm.backwardRelu(n, c, hw, x, xo, yeUnread, yo, evalConsts, dy, yo, gamma, rm, rv, EPS,
                                    batchStats, dxEvalFused, xo, dgEvalFused, dbEvalFused);
                            assertBitwise("dx after eval " + atB, dxEval, dxEvalFused);
                            assertBitwise("dGamma after eval " + atB, dgEval, dgEvalFused);
                            assertBitwise("dBeta after eval " + atB, dbEval, dbEvalFused);
                        }
                    }
                }
            }
        }
    }

    /**
     * max(BN(x) + r, 0) in one pass is bitwise the unfused kernel, then ElementwiseOps.addRelu, with the same
     * statistics, for both twins, in training and eval; sums that are exactly zero (r = -BN(x)) stay zero.
     */
    @Test
    void fusedAddReluIsBitwiseTheUnfusedKernelThenAddRelu() {
        SplittableRandom rng = new SplittableRandom(25);
        ElementwiseOps[] adds = {io.resnet4j.kernels.scalar.ScalarElementwise.INSTANCE,
                io.resnet4j.kernels.vector.VectorElementwise.INSTANCE};
        NormOps[] norms = {SCALAR, VECTOR};
        for (int impl = 0; impl < 2; impl++) {
            NormOps norm = norms[impl];
            ElementwiseOps ew = adds[impl];
            for (int n : BATCHES) {
                for (int c : new int[] {1, 5, 17}) {
                    for (int hw : SIZES) {
                        String at = norm.getClass().getSimpleName() + " n" + n + " c" + c + " hw" + hw;
                        int xo = 3, ro = 7, yo = 5, len = n * c * hw;
                        float[] x = input(rng, xo, n, c, hw, 0.3, 1.0), r = uniform(rng, ro + len, -1.5, 1.5);
                        float[] gamma = uniform(rng, c, 0.5, 1.5), beta = uniform(rng, c, -1, 1);
                        float[] rm = uniform(rng, c, -1, 1), rv = uniform(rng, c, 0.5, 2);
                        float[] bn = new float[yo + len], y = new float[yo + len], yFused = new float[yo + len];
                        float[] m = new float[c], v = new float[c], mf = new float[c], vf = new float[c];
                        norm.forwardTrain(n, c, hw, x, xo, bn, yo, gamma, beta, EPS, m, v);
                        for (int e = 0; e < len; e += 3) {
                            r[ro + e] = -bn[yo + e];
                        }
                        ew.addRelu(len, bn, yo, r, ro, y, yo);
                        norm.forwardTrainAddRelu(n, c, hw, x, xo, r, ro, yFused, yo, gamma, beta, EPS, mf, vf);
                        assertBitwise("train y " + at, y, yFused);
                        assertBitwise("mean " + at, m, mf);
                        assertBitwise("var " + at, v, vf);
                        assertThat(yFused[yo]).as("a zero sum " + at).isEqualTo(0f);

                        float[] ye = new float[yo + len], yeFused = new float[yo + len];
                        norm.forwardEval(n, c, hw, x, xo, bn, yo, gamma, beta, rm, rv, EPS);
                        for (int e = 1; e < len; e += 3) {
                            r[ro + e] = -bn[yo + e];
                        }
                        ew.addRelu(len, bn, yo, r, ro, ye, yo);
                        norm.forwardEvalAddRelu(n, c, hw, x, xo, r, ro, yeFused, yo, gamma, beta, rm, rv, EPS);
                        assertBitwise("eval y " + at, ye, yeFused);
                    }
                }
            }
        }
    }

    @Test
    void resultsAreBitwiseEqualOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(23);
        // 17 channels of 3 x 2053: three tasks of 6, 6 and 5 channels.
        int n = 3, c = 17, hw = 2053, len = n * c * hw;
        float[] x = input(rng, 0, n, c, hw, 0.5, 1.0), dy = uniform(rng, len, -1, 1);
        float[] gamma = uniform(rng, c, 0.5, 1.5), beta = uniform(rng, c, -1, 1);
        float[][] one = onThreads(1, () -> everything(n, c, hw, x, dy, gamma, beta));
        float[][] two = onThreads(2, () -> everything(n, c, hw, x, dy, gamma, beta));
        for (int t = 0; t < one.length; t++) {
            assertBitwise("output " + t + " on 1 vs 2 threads", one[t], two[t]);
        }
    }

    private static float[][] everything(int n, int c, int hw, float[] x, float[] dy, float[] gamma, float[] beta) {
        int len = n * c * hw;
        float[] y = new float[len], mean = new float[c], var = new float[c], yEval = new float[len];
        VECTOR.forwardTrain(n, c, hw, x, 0, y, 0, gamma, beta, EPS, mean, var);
        VECTOR.forwardEval(n, c, hw, x, 0, yEval, 0, gamma, beta, mean, var, EPS);
        float[] dx = new float[len], dg = new float[c], db = new float[c];
        VECTOR.backward(n, c, hw, x, 0, dy, 0, gamma, mean, var, EPS, true, dx, 0, dg, db);
        float[] dxRun = new float[len], dgRun = new float[c], dbRun = new float[c];
        VECTOR.backward(n, c, hw, x, 0, dy, 0, gamma, mean, var, EPS, false, dxRun, 0, dgRun, dbRun);
        float[] yRelu = new float[len], yEvalRelu = new float[len], dxRelu = new float[len], dgRelu = new float[c], dbRelu = new float[c];
        float[] consts = new float[NormOps.RELU_CONSTS * c], dxConsts = new float[len], dgConsts = new float[c];
        float[] dbConsts = new float[c];
        VECTOR.forwardTrainRelu(n, c, hw, x, 0, yRelu, 0, gamma, beta, EPS, new float[c], new float[c], consts);
        VECTOR.forwardEvalRelu(n, c, hw, x, 0, yEvalRelu, 0, gamma, beta, mean, var, EPS, null);
        VECTOR.backwardRelu(n, c, hw, x, 0, yRelu, 0, null, dy, 0, gamma, mean, var, EPS, true, dxRelu, 0, dgRelu, dbRelu);
        VECTOR.backwardRelu(n, c, hw, x, 0, yRelu, 0, consts, dy, 0, gamma, mean, var, EPS, true, dxConsts, 0, dgConsts,
                dbConsts);
        return new float[][] {y, mean, var, yEval, dx, dg, db, dxRun, dgRun, dbRun, yRelu, yEvalRelu, dxRelu, dgRelu, dbRelu,
                consts, dxConsts, dgConsts, dbConsts};
    }
}
