package io.resnet4j.kernels.vector;

import io.resnet4j.kernels.NormOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static io.resnet4j.kernels.vector.Simd.F;
import static io.resnet4j.kernels.vector.Simd.LANES;

/**
 * Vector API twin of {@link io.resnet4j.kernels.scalar.ScalarNorm}: the same semantics (biased batch variance,
 * per-channel statistics; backward for batch and for running statistics), x viewed as (n, c, hw).
 *
 * <p>Accuracy. Sums run in float vector accumulators over runs of at most {@link LaneMath#CHUNK} floats of one
 * plane and are combined in double. Training statistics come per plane: a first pass gives m_p, the plane's mean
 * as a float, the second sums S1 = sum(x - m_p) and S2 = sum((x - m_p)^2) (x - m_p is exact when x is near m_p).
 * The planes of a channel combine in double as Chan et al.'s pairwise update: mean = sum(m_p * hw + S1) / N,
 * var = (sum(S2 - S1^2 / hw) + hw * sum((mean_p - mean)^2)) / N, which keeps full precision when |mean| >> std.
 * The normalisation is y = (x - m) * a + b in float (one fma), m the mean rounded to float, a = gamma / std and
 * b folding beta and the mean's rounding, both computed in double. Against the double reference the outputs and input
 * gradients agree to about 1e-6 of the magnitude of their terms (the tests allow 1e-5 relative to
 * |gamma * xhat| + |beta| for y, and to the largest of |dx|'s three terms for dx), the saved statistics and
 * dGamma, dBeta to ~1e-6 relative.
 *
 * <p>The fused BN + ReLU kernels apply the ReLU in the normalisation pass (forward) and mask dy in both backward
 * passes, from x and the constants the forward recorded (NormOps.RELU_CONSTS; without them, from y into dx
 * first): bitwise equal to this class's unfused kernels and {@link VectorElementwise}'s ReLU. The add + ReLU
 * kernels (the end of a residual unit) add the residual in the normalisation pass, before the ReLU: bitwise the
 * unfused kernel followed by VectorElementwise.addRelu.
 *
 * <p>Memory order. Training forward and backward make two passes over the tensor, each in memory order: the
 * planes' sums, then the output. Channel by channel (a channel's n planes, one tensor row apart, summed then
 * normalised), they ran 1.2-1.7x slower at batch 128 on CIFAR shapes: each plane a new stream, and a channel of
 * 16 x 32 x 32 images (x and dy, 1 MiB) does not stay in L2 between the passes.
 *
 * <p>Threads: every pass splits over (n, c) planes, a plane's sums in one task; a channel's planes are combined
 * on the calling thread in image order, so the split depends only on the shape.
 */
public final class VectorNorm implements NormOps {
    public static final VectorNorm INSTANCE = new VectorNorm();

    private VectorNorm() {
    }

    @Override
    public void forwardTrain(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                             float[] gamma, float[] beta, float eps, float[] saveMean, float[] saveVar) {
        forwardTrain(n, c, hw, x, xOff, y, yOff, gamma, beta, eps, saveMean, saveVar, false, null, null, 0);
    }

    @Override
    public void forwardTrainRelu(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                                 float[] gamma, float[] beta, float eps, float[] saveMean, float[] saveVar,
                                 float[] reluConsts) {
        forwardTrain(n, c, hw, x, xOff, y, yOff, gamma, beta, eps, saveMean, saveVar, true, reluConsts, null, 0);
    }

    @Override
    public void forwardTrainAddRelu(int n, int c, int hw, float[] x, int xOff, float[] r, int rOff, float[] y,
                                    int yOff, float[] gamma, float[] beta, float eps, float[] saveMean, float[] saveVar) {
        forwardTrain(n, c, hw, x, xOff, y, yOff, gamma, beta, eps, saveMean, saveVar, true, null, r, rOff);
    }

    /**
     * consts: null, or where each channel's m, a, b go (relu only; see NormOps.RELU_CONSTS). r: null, or the
     * residual added before the ReLU (relu true), from rOff. Two passes over the tensor in memory order: each
     * plane's moments (phase 1), the channels' statistics from them on the calling thread, then the normalisation
     * (phase 2).
     */
    private static void forwardTrain(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff, float[] gamma,
                                     float[] beta, float eps, float[] saveMean, float[] saveVar, boolean relu,
                                     float[] consts, float[] r, int rOff) {
        int planes = n * c;
        Workspace ws = Workspace.get();
        double[] moments = ws.planeSums = Workspace.grow(ws.planeSums, 3L * planes);
        float[] norm = ws.channelConsts = Workspace.grow(ws.channelConsts, (long) RELU_CONSTS * c);
        int grain = Split.grain(planes, hw);
        if (grain >= planes) {
            moments(0, planes, hw, x, xOff, moments);
        } else {
            Split.Args a = Split.args();
            a.i0 = hw;
            a.x0 = x;
            a.o0 = xOff;
            a.ref = moments;
            Split.run(planes, grain, a, (s, p0, p1) -> moments(p0, p1, s.i0, s.x0, s.o0, (double[]) s.ref));
        }
        double count = (double) n * hw;
        for (int j = 0; j < c; j++) {
            // Chan et al.'s pairwise combination, in double: the planes' sums around their own means, plus their
            // means' spread about the channel's
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int p = 3 * (i * c + j);
                sum += moments[p] * hw + moments[p + 1];
            }
            double mean = sum / count, within = 0, between = 0;
            for (int i = 0; i < n; i++) {
                int p = 3 * (i * c + j);
                double planeMean = moments[p] + moments[p + 1] / hw, d = planeMean - mean;
                within += moments[p + 2] - moments[p + 1] * moments[p + 1] / hw;
                between += d * d;
            }
            double var = Math.max((within + between * hw) / count, 0.0);
            float m = (float) mean;
            saveMean[j] = m;
            saveVar[j] = (float) var;
            double scale = gamma[j] / Math.sqrt(var + eps);
            // y = (x - m) * a + b: b folds beta and the mean's rounding to float
            float a = (float) scale, b = (float) (beta[j] - scale * (mean - m));
            setConsts(norm, j, m, a, b);
            if (relu && consts != null) {
                setConsts(consts, j, m, a, b);
            }
        }
        if (grain >= planes) {
            normalisePlanes(0, planes, c, hw, x, xOff, y, yOff, norm, relu, r, rOff);
        } else {
            Split.Args a = Split.args();
            a.i0 = c;
            a.i1 = hw;
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = y;
            a.o1 = yOff;
            a.x2 = norm;
            a.flag = relu;
            a.x3 = r;
            a.o2 = rOff;
            Split.run(planes, grain, a, (s, p0, p1) -> normalisePlanes(p0, p1, s.i0, s.i1, s.x0, s.o0, s.x1, s.o1, s.x2,
                    s.flag, s.x3, s.o2));
        }
    }

    /**
     * Planes [p0, p1) of x (each hw floats from xOff): out[3p] = m, a float near the plane's mean (its float sum
     * divided by hw), out[3p + 1] = sum(x - m), out[3p + 2] = sum((x - m)^2). x - m is exact when x is near m, so
     * the plane's variance keeps full precision when |mean| >> std.
     */
    private static void moments(int p0, int p1, int hw, float[] x, int xOff, double[] out) {
        float[] lanes = Workspace.get().lanes;
        for (int p = p0; p < p1; p++) {
            int base = xOff + p * hw;
            float m = (float) (LaneMath.sum(x, base, base + hw, lanes) / hw);
            FloatVector mv = FloatVector.broadcast(F, m);
            double s1 = 0, s2 = 0;
            for (int c0 = base, end = base + hw; c0 < end; c0 += LaneMath.CHUNK) {
                int c1 = Math.min(end, c0 + LaneMath.CHUNK);
                FloatVector a1 = FloatVector.zero(F), a2 = FloatVector.zero(F);
                FloatVector b1 = FloatVector.zero(F), b2 = FloatVector.zero(F);
                int e = c0;
                for (; e <= c1 - 2 * LANES; e += 2 * LANES) {
                    FloatVector d0 = FloatVector.fromArray(F, x, e).sub(mv);
                    FloatVector d1 = FloatVector.fromArray(F, x, e + LANES).sub(mv);
                    a1 = a1.add(d0);
                    a2 = d0.fma(d0, a2);
                    b1 = b1.add(d1);
                    b2 = d1.fma(d1, b2);
                }
                for (; e <= c1 - LANES; e += LANES) {
                    FloatVector d0 = FloatVector.fromArray(F, x, e).sub(mv);
                    a1 = a1.add(d0);
                    a2 = d0.fma(d0, a2);
                }
                float t1 = 0, t2 = 0;
                for (; e < c1; e++) {
                    float d = x[e] - m;
                    t1 += d;
                    t2 += d * d;
                }
                s1 = LaneMath.addLanes(s1, a1.add(b1), lanes);
                s2 = LaneMath.addLanes(s2, a2.add(b2), lanes);
                s1 += t1;
                s2 += t2;
            }
            out[3 * p] = m;
            out[3 * p + 1] = s1;
            out[3 * p + 2] = s2;
        }
    }

    /** Planes [p0, p1): normalise with their channel's m, a, b from norm (RELU_CONSTS per channel). */
    private static void normalisePlanes(int p0, int p1, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                                        float[] norm, boolean relu, float[] r, int rOff) {
        for (int p = p0; p < p1; p++) {
            int j = p % c, k = p * hw;
            normalise(hw, x, xOff + k, y, yOff + k, norm[RELU_CONSTS * j], norm[RELU_CONSTS * j + 1],
                    norm[RELU_CONSTS * j + 2], relu, r, rOff + k);
        }
    }

    @Override
    public void forwardEval(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                            float[] gamma, float[] beta, float[] runMean, float[] runVar, float eps) {
        forwardEval(n, c, hw, x, xOff, y, yOff, gamma, beta, runMean, runVar, eps, false, null, 0);
    }

    @Override
    public void forwardEvalRelu(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                                float[] gamma, float[] beta, float[] runMean, float[] runVar, float eps,
                                float[] reluConsts) {
        if (reluConsts != null) {
            for (int j = 0; j < c; j++) {
                setConsts(reluConsts, j, runMean[j], evalScale(gamma, runVar, eps, j), beta[j]);
            }
        }
        forwardEval(n, c, hw, x, xOff, y, yOff, gamma, beta, runMean, runVar, eps, true, null, 0);
    }

    @Override
    public void forwardEvalAddRelu(int n, int c, int hw, float[] x, int xOff, float[] r, int rOff, float[] y,
                                   int yOff, float[] gamma, float[] beta, float[] runMean, float[] runVar, float eps) {
        forwardEval(n, c, hw, x, xOff, y, yOff, gamma, beta, runMean, runVar, eps, true, r, rOff);
    }

    /** The scale of channel j's normalisation by the running statistics. */
    private static float evalScale(float[] gamma, float[] runVar, float eps, int j) {
        return (float) (gamma[j] / Math.sqrt(runVar[j] + (double) eps));
    }

    /** Channel j's normalisation y = (x - m) * a + b (before the ReLU), for backwardRelu's mask. */
    private static void setConsts(float[] consts, int j, float m, float a, float b) {
        consts[RELU_CONSTS * j] = m;
        consts[RELU_CONSTS * j + 1] = a;
        consts[RELU_CONSTS * j + 2] = b;
    }

    private static void forwardEval(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff, float[] gamma,
                                    float[] beta, float[] runMean, float[] runVar, float eps, boolean relu, float[] r,
                                    int rOff) {
        int planes = n * c, grain = Split.grain(planes, hw);
        if (grain >= planes) {
            forwardEval(0, planes, c, hw, x, xOff, y, yOff, gamma, beta, runMean, runVar, eps, relu, r, rOff);
        } else {
            Split.Args a = Split.args();
            a.i0 = c;
            a.i1 = hw;
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = y;
            a.o1 = yOff;
            a.x2 = gamma;
            a.x3 = beta;
            a.x4 = runMean;
            a.x5 = runVar;
            a.f = eps;
            a.flag = relu;
            a.x6 = r;
            a.o2 = rOff;
            Split.run(planes, grain, a, (s, p0, p1) -> forwardEval(p0, p1, s.i0, s.i1, s.x0, s.o0, s.x1, s.o1,
                    s.x2, s.x3, s.x4, s.x5, s.f, s.flag, s.x6, s.o2));
        }
    }

    private static void forwardEval(int p0, int p1, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                                    float[] gamma, float[] beta, float[] runMean, float[] runVar, float eps, boolean relu,
                                    float[] r, int rOff) {
        for (int plane = p0; plane < p1; plane++) {
            int j = plane % c;
            float scale = evalScale(gamma, runVar, eps, j);
            normalise(hw, x, xOff + plane * hw, y, yOff + plane * hw, runMean[j], scale, beta[j], relu, r,
                    rOff + plane * hw);
        }
    }

    /**
     * One plane: y[e] = (x[e] - m) * scale + shift, e < hw; with relu then y = (y < 0 ? 0 : y) as the ReLU kernel,
     * where r (not null) is added first, as ElementwiseOps.addRelu adds (r from rb).
     */
    private static void normalise(int hw, float[] x, int xb, float[] y, int yb, float m, float scale, float shift,
                                  boolean relu, float[] r, int rb) {
        FloatVector mv = FloatVector.broadcast(F, m), sv = FloatVector.broadcast(F, scale), tv = FloatVector.broadcast(F, shift);
        FloatVector zero = FloatVector.zero(F);
        int e = 0;
        if (r != null) {
            for (; e <= hw - LANES; e += LANES) {
                FloatVector v = FloatVector.fromArray(F, x, xb + e).sub(mv).fma(sv, tv).add(FloatVector.fromArray(F, r, rb + e));
                v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoArray(y, yb + e);
            }
            for (; e < hw; e++) {
                float v = Math.fma(x[xb + e] - m, scale, shift) + r[rb + e];
                y[yb + e] = v < 0f ? 0f : v;
            }
        } else if (relu) {
            for (; e <= hw - LANES; e += LANES) {
                FloatVector v = FloatVector.fromArray(F, x, xb + e).sub(mv).fma(sv, tv);
                v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoArray(y, yb + e);
            }
            for (; e < hw; e++) {
                float v = Math.fma(x[xb + e] - m, scale, shift);
                y[yb + e] = v < 0f ? 0f : v;
            }
        } else {
            for (; e <= hw - LANES; e += LANES) {
                FloatVector.fromArray(F, x, xb + e).sub(mv).fma(sv, tv).intoArray(y, yb + e);
            }
            for (; e < hw; e++) {
                y[yb + e] = Math.fma(x[xb + e] - m, scale, shift);
            }
        }
    }

    @Override
    public void backward(int n, int c, int hw, float[] x, int xOff, float[] dy, int dyOff,
                         float[] gamma, float[] mean, float[] var, float eps, boolean batchStats,
                         float[] dx, int dxOff, float[] dGamma, float[] dBeta) {
        backward(n, c, hw, x, xOff, null, 0, null, dy, dyOff, gamma, mean, var, eps, batchStats, dx, dxOff, dGamma, dBeta);
    }

    @Override
    public void backwardRelu(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff, float[] reluConsts,
                             float[] dy, int dyOff, float[] gamma, float[] mean, float[] var, float eps,
                             boolean batchStats, float[] dx, int dxOff, float[] dGamma, float[] dBeta) {
        backward(n, c, hw, x, xOff, y, yOff, reluConsts, dy, dyOff, gamma, mean, var, eps, batchStats, dx, dxOff,
                dGamma, dBeta);
    }

    /**
     * y and consts null: plain backward. Otherwise the ReLU's backward first: with consts, dy is masked on the fly by
     * (x - m) * a + b > 0 recomputed from the forward's constants (see NormOps.RELU_CONSTS: the forward's own
     * fma, so the same mask as y > 0, without reading y); without, dy is masked by y > 0 into dx. Two passes in
     * memory order, as the forward: each plane's sums (phase 1), the channels' coefficients on the calling
     * thread, then dx (phase 2).
     */
    private static void backward(int n, int c, int hw, float[] x, int xOff, float[] y, int yOff, float[] consts,
                                 float[] dy, int dyOff, float[] gamma, float[] mean, float[] var, float eps,
                                 boolean batchStats, float[] dx, int dxOff, float[] dGamma, float[] dBeta) {
        int planes = n * c;
        Workspace ws = Workspace.get();
        double[] sums = ws.planeSums = Workspace.grow(ws.planeSums, 2L * planes);
        float[] coef = ws.channelConsts = Workspace.grow(ws.channelConsts, (long) RELU_CONSTS * c);
        // with the mask from y, phase 1 leaves the masked dy in dx and phase 2 reads it from there
        boolean maskY = y != null && consts == null;
        int grain = Split.grain(planes, 2L * hw);
        if (grain >= planes) {
            gradientSums(0, planes, c, hw, x, xOff, y, yOff, consts, dy, dyOff, mean, dx, dxOff, sums);
        } else {
            Split.Args a = Split.args();
            a.i0 = c;
            a.i1 = hw;
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = y;
            a.o1 = yOff;
            a.x2 = consts;
            a.x3 = dy;
            a.o2 = dyOff;
            a.x4 = mean;
            a.x5 = dx;
            a.o3 = dxOff;
            a.ref = sums;
            Split.run(planes, grain, a, (s, p0, p1) -> gradientSums(p0, p1, s.i0, s.i1, s.x0, s.o0, s.x1, s.o1, s.x2,
                    s.x3, s.o2, s.x4, s.x5, s.o3, (double[]) s.ref));
        }
        double count = (double) n * hw;
        for (int j = 0; j < c; j++) {
            double sumDy = 0, sumDyD = 0;
            for (int i = 0; i < n; i++) {
                sumDy += sums[2 * (i * c + j)];
                sumDyD += sums[2 * (i * c + j) + 1];
            }
            double invStd = 1.0 / Math.sqrt(var[j] + (double) eps);
            double sumDyXhat = sumDyD * invStd;
            dGamma[j] += (float) sumDyXhat;
            dBeta[j] += (float) sumDy;
            double scale = gamma[j] * invStd;
            // dx = scale * (dy - sumDy / N - xhat * sumDyXhat / N) = A * dy + B * (x - mu) + C
            coef[RELU_CONSTS * j] = (float) scale;
            coef[RELU_CONSTS * j + 1] = batchStats ? (float) (-scale * invStd * sumDyXhat / count) : 0f;
            coef[RELU_CONSTS * j + 2] = batchStats ? (float) (-scale * sumDy / count) : 0f;
        }
        float[] g = maskY ? dx : dy;
        int gOff = maskY ? dxOff : dyOff;
        if (grain >= planes) {
            gradientPlanes(0, planes, c, hw, x, xOff, consts, g, gOff, mean, coef, batchStats, dx, dxOff);
        } else {
            Split.Args a = Split.args();
            a.i0 = c;
            a.i1 = hw;
            a.x0 = x;
            a.o0 = xOff;
            a.x1 = consts;
            a.x2 = g;
            a.o1 = gOff;
            a.x3 = mean;
            a.x4 = coef;
            a.flag = batchStats;
            a.x5 = dx;
            a.o2 = dxOff;
            Split.run(planes, grain, a, (s, p0, p1) -> gradientPlanes(p0, p1, s.i0, s.i1, s.x0, s.o0, s.x1, s.x2, s.o1,
                    s.x3, s.x4, s.flag, s.x5, s.o2));
        }
    }

    /** Phase 1 of backward, planes [p0, p1): sums[2p] = sum(g), sums[2p + 1] = sum(g * (x - mu)), g the masked dy. */
    private static void gradientSums(int p0, int p1, int c, int hw, float[] x, int xOff, float[] y, int yOff,
                                     float[] consts, float[] dy, int dyOff, float[] mean, float[] dx, int dxOff,
                                     double[] sums) {
        float[] lanes = Workspace.get().lanes;
        for (int p = p0; p < p1; p++) {
            int j = p % c, k = p * hw;
            if (consts != null) {
                maskedSums(hw, x, xOff + k, dy, dyOff + k, mean[j], consts, j, sums, 2 * p, lanes);
            } else if (y != null) {
                reluMask(hw, y, yOff + k, dy, dyOff + k, dx, dxOff + k);
                plainSums(hw, x, xOff + k, dx, dxOff + k, mean[j], sums, 2 * p, lanes);
            } else {
                plainSums(hw, x, xOff + k, dy, dyOff + k, mean[j], sums, 2 * p, lanes);
            }
        }
    }

    /** Phase 2 of backward, planes [p0, p1): dx from g (dy, or dy masked: see backward) and coef (A, B, C per channel). */
    private static void gradientPlanes(int p0, int p1, int c, int hw, float[] x, int xOff, float[] consts, float[] g,
                                       int gOff, float[] mean, float[] coef, boolean batchStats, float[] dx, int dxOff) {
        for (int p = p0; p < p1; p++) {
            int j = p % c, k = p * hw;
            float a = coef[RELU_CONSTS * j], b = coef[RELU_CONSTS * j + 1], cc = coef[RELU_CONSTS * j + 2];
            if (consts != null) {
                maskedGradient(hw, x, xOff + k, g, gOff + k, dx, dxOff + k, mean[j], a, b, cc, consts, j, batchStats);
            } else if (batchStats) {
                gradient(hw, x, xOff + k, g, gOff + k, dx, dxOff + k, mean[j], a, b, cc);
            } else {
                scaled(hw, g, gOff + k, dx, dxOff + k, a);
            }
        }
    }

    /** One plane: dx = y > 0 ? dy : 0, as the ReLU backward kernel. */
    private static void reluMask(int hw, float[] y, int yb, float[] dy, int gb, float[] dx, int ob) {
        FloatVector zero = FloatVector.zero(F);
        int e = 0;
        for (; e <= hw - LANES; e += LANES) {
            FloatVector out = FloatVector.fromArray(F, y, yb + e);
            zero.blend(FloatVector.fromArray(F, dy, gb + e), out.compare(VectorOperators.GT, 0f)).intoArray(dx, ob + e);
        }
        for (; e < hw; e++) {
            dx[ob + e] = y[yb + e] > 0f ? dy[gb + e] : 0f;
        }
    }

    /** One plane: out[o] = sum(g), out[o + 1] = sum(g * (x - mu)), in float runs of LaneMath.CHUNK added in double. */
    private static void plainSums(int hw, float[] x, int xb, float[] dy, int gb, float mu, double[] out, int o,
                                  float[] lanes) {
        FloatVector mv = FloatVector.broadcast(F, mu);
        double sumDy = 0, sumDyD = 0;
        for (int c0 = 0; c0 < hw; c0 += LaneMath.CHUNK) {
            int c1 = Math.min(hw, c0 + LaneMath.CHUNK);
            FloatVector a1 = FloatVector.zero(F), a2 = FloatVector.zero(F);
            FloatVector b1 = FloatVector.zero(F), b2 = FloatVector.zero(F);
            int e = c0;
            for (; e <= c1 - 2 * LANES; e += 2 * LANES) {
                FloatVector g0 = FloatVector.fromArray(F, dy, gb + e);
                FloatVector g1 = FloatVector.fromArray(F, dy, gb + e + LANES);
                a1 = a1.add(g0);
                a2 = g0.fma(FloatVector.fromArray(F, x, xb + e).sub(mv), a2);
                b1 = b1.add(g1);
                b2 = g1.fma(FloatVector.fromArray(F, x, xb + e + LANES).sub(mv), b2);
            }
            for (; e <= c1 - LANES; e += LANES) {
                FloatVector g0 = FloatVector.fromArray(F, dy, gb + e);
                a1 = a1.add(g0);
                a2 = g0.fma(FloatVector.fromArray(F, x, xb + e).sub(mv), a2);
            }
            float t1 = 0, t2 = 0;
            for (; e < c1; e++) {
                float g = dy[gb + e];
                t1 += g;
                t2 += g * (x[xb + e] - mu);
            }
            sumDy = LaneMath.addLanes(sumDy, a1.add(b1), lanes);
            sumDyD = LaneMath.addLanes(sumDyD, a2.add(b2), lanes);
            sumDy += t1;
            sumDyD += t2;
        }
        out[o] = sumDy;
        out[o + 1] = sumDyD;
    }

    /**
     * plainSums of g = (x - m0) * a0 + b0 > 0 ? dy : 0, with m0, a0, b0 channel j's forward constants (the same sums
     * in the same order as plainSums on the masked dy).
     */
    private static void maskedSums(int hw, float[] x, int xb, float[] dy, int gb, float mu, float[] consts, int j,
                                   double[] out, int o, float[] lanes) {
        float m0 = consts[RELU_CONSTS * j], a0 = consts[RELU_CONSTS * j + 1], b0 = consts[RELU_CONSTS * j + 2];
        FloatVector m0v = FloatVector.broadcast(F, m0), a0v = FloatVector.broadcast(F, a0);
        FloatVector b0v = FloatVector.broadcast(F, b0), mv = FloatVector.broadcast(F, mu), zero = FloatVector.zero(F);
        double sumDy = 0, sumDyD = 0;
        for (int c0 = 0; c0 < hw; c0 += LaneMath.CHUNK) {
            int c1 = Math.min(hw, c0 + LaneMath.CHUNK);
            FloatVector a1 = zero, a2 = zero, b1 = zero, b2 = zero;
            int e = c0;
            for (; e <= c1 - 2 * LANES; e += 2 * LANES) {
                FloatVector x0 = FloatVector.fromArray(F, x, xb + e);
                FloatVector x1 = FloatVector.fromArray(F, x, xb + e + LANES);
                FloatVector g0 = zero.blend(FloatVector.fromArray(F, dy, gb + e),
                        x0.sub(m0v).fma(a0v, b0v).compare(VectorOperators.GT, 0f));
                FloatVector g1 = zero.blend(FloatVector.fromArray(F, dy, gb + e + LANES),
                        x1.sub(m0v).fma(a0v, b0v).compare(VectorOperators.GT, 0f));
                a1 = a1.add(g0);
                a2 = g0.fma(x0.sub(mv), a2);
                b1 = b1.add(g1);
                b2 = g1.fma(x1.sub(mv), b2);
            }
            for (; e <= c1 - LANES; e += LANES) {
                FloatVector x0 = FloatVector.fromArray(F, x, xb + e);
                FloatVector g0 = zero.blend(FloatVector.fromArray(F, dy, gb + e),
                        x0.sub(m0v).fma(a0v, b0v).compare(VectorOperators.GT, 0f));
                a1 = a1.add(g0);
                a2 = g0.fma(x0.sub(mv), a2);
            }
            float t1 = 0, t2 = 0;
            for (; e < c1; e++) {
                float xe = x[xb + e], g = Math.fma(xe - m0, a0, b0) > 0f ? dy[gb + e] : 0f;
                t1 += g;
                t2 += g * (xe - mu);
            }
            sumDy = LaneMath.addLanes(sumDy, a1.add(b1), lanes);
            sumDyD = LaneMath.addLanes(sumDyD, a2.add(b2), lanes);
            sumDy += t1;
            sumDyD += t2;
        }
        out[o] = sumDy;
        out[o + 1] = sumDyD;
    }

    /** One plane: dx = dy * a + (x - mu) * b + cc. */
    private static void gradient(int hw, float[] x, int xb, float[] dy, int gb, float[] dx, int ob,
                                 float mu, float a, float b, float cc) {
        FloatVector mv = FloatVector.broadcast(F, mu);
        FloatVector av = FloatVector.broadcast(F, a), bv = FloatVector.broadcast(F, b), cv = FloatVector.broadcast(F, cc);
        int e = 0;
        for (; e <= hw - LANES; e += LANES) {
            FloatVector d = FloatVector.fromArray(F, x, xb + e).sub(mv);
            FloatVector.fromArray(F, dy, gb + e).fma(av, d.fma(bv, cv)).intoArray(dx, ob + e);
        }
        for (; e < hw; e++) {
            dx[ob + e] = Math.fma(dy[gb + e], a, Math.fma(x[xb + e] - mu, b, cc));
        }
    }

    /**
     * One plane: gradient (batch statistics) or scaled (running statistics) of g = dy masked by channel j's forward
     * constants, as those give on the masked dy.
     */
    private static void maskedGradient(int hw, float[] x, int xb, float[] dy, int gb, float[] dx, int ob, float mu,
                                       float a, float b, float cc, float[] consts, int j, boolean batchStats) {
        float m0 = consts[RELU_CONSTS * j], a0 = consts[RELU_CONSTS * j + 1], b0 = consts[RELU_CONSTS * j + 2];
        FloatVector m0v = FloatVector.broadcast(F, m0), a0v = FloatVector.broadcast(F, a0), b0v = FloatVector.broadcast(F, b0);
        FloatVector mv = FloatVector.broadcast(F, mu), zero = FloatVector.zero(F);
        FloatVector av = FloatVector.broadcast(F, a), bv = FloatVector.broadcast(F, b), cv = FloatVector.broadcast(F, cc);
        int e = 0;
        if (batchStats) {
            for (; e <= hw - LANES; e += LANES) {
                FloatVector xv = FloatVector.fromArray(F, x, xb + e);
                FloatVector g = zero.blend(FloatVector.fromArray(F, dy, gb + e),
                        xv.sub(m0v).fma(a0v, b0v).compare(VectorOperators.GT, 0f));
                g.fma(av, xv.sub(mv).fma(bv, cv)).intoArray(dx, ob + e);
            }
            for (; e < hw; e++) {
                float xe = x[xb + e], g = Math.fma(xe - m0, a0, b0) > 0f ? dy[gb + e] : 0f;
                dx[ob + e] = Math.fma(g, a, Math.fma(xe - mu, b, cc));
            }
        } else {
            for (; e <= hw - LANES; e += LANES) {
                FloatVector g = zero.blend(FloatVector.fromArray(F, dy, gb + e),
                        FloatVector.fromArray(F, x, xb + e).sub(m0v).fma(a0v, b0v).compare(VectorOperators.GT, 0f));
                g.mul(av).intoArray(dx, ob + e);
            }
            for (; e < hw; e++) {
                dx[ob + e] = (Math.fma(x[xb + e] - m0, a0, b0) > 0f ? dy[gb + e] : 0f) * a;
            }
        }
    }

    /** One plane: dx = dy * a. */
    private static void scaled(int hw, float[] dy, int gb, float[] dx, int ob, float a) {
        FloatVector av = FloatVector.broadcast(F, a);
        int e = 0;
        for (; e <= hw - LANES; e += LANES) {
            FloatVector.fromArray(F, dy, gb + e).mul(av).intoArray(dx, ob + e);
        }
        for (; e < hw; e++) {
            dx[ob + e] = dy[gb + e] * a;
        }
    }
}
