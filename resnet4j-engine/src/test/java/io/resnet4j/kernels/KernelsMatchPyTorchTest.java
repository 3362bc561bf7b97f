package io.resnet4j.kernels;

import io.resnet4j.kernels.scalar.ScalarConv;
import io.resnet4j.kernels.scalar.ScalarElementwise;
import io.resnet4j.kernels.scalar.ScalarGemm;
import io.resnet4j.kernels.scalar.ScalarLoss;
import io.resnet4j.kernels.scalar.ScalarNorm;
import io.resnet4j.kernels.scalar.ScalarPool;
import io.resnet4j.kernels.scalar.ScalarShortcut;
import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kernel family against the PyTorch fixtures of tools/reference/ops.py, called directly, for both the
 * implementation {@link Kernels} selects and the scalar reference (the SIMD twins are validated against the
 * references elsewhere; this pins the references themselves to PyTorch). Arrays are embedded at an offset
 * between guard cells: inputs are surrounded by NaN (a read outside the range poisons the result), outputs
 * by a sentinel that must survive, and "overwritten" outputs start as NaN so that a skipped element shows.
 * Tolerances are those of the module tests in io.resnet4j.nn, for the same reasons.
 */
class KernelsMatchPyTorchTest {
    static final double CONV_TOL = 1e-4, NORM_RTOL = 1e-4, NORM_ATOL = 1e-5, POOL_RTOL = 1e-6, POOL_ATOL = 1e-6;
    static final double AVG_RTOL = 1e-5, AVG_ATOL = 1e-6, GEMM_TOL = 1e-5, LOSS_RTOL = 1e-6, GRAD_RTOL = 1e-5, GRAD_ATOL = 1e-7;
    static final int OFF = 7;
    static final float GUARD = 12345.5f;

    /** One complete set of kernels. */
    record Impl(String name, GemmOps gemm, ConvOps conv, NormOps norm, PoolOps pool, ElementwiseOps elementwise,
                LossOps loss, ShortcutOps shortcut) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Impl SELECTED = new Impl("selected (conv=" + Kernels.CONV.getClass().getSimpleName() + ")", Kernels.GEMM,
            Kernels.CONV, Kernels.NORM, Kernels.POOL, Kernels.ELEMENTWISE, Kernels.LOSS, Kernels.SHORTCUT);
    static final Impl SCALAR = new Impl("scalar", ScalarGemm.INSTANCE, ScalarConv.INSTANCE, ScalarNorm.INSTANCE,
            ScalarPool.INSTANCE, ScalarElementwise.INSTANCE, ScalarLoss.INSTANCE, ScalarShortcut.INSTANCE);

    static Stream<Arguments> cases(String... names) {
        return Stream.of(SELECTED, SCALAR).flatMap(impl -> Arrays.stream(names).map(n -> Arguments.of(impl, n)));
    }

    static Stream<Arguments> conv() {
        return cases("1x1_s1_p0", "1x1_s2_p0_bias", "3x3_s1_p1", "3x3_s1_p1_bias", "3x3_s2_p1", "3x3_s2_p0_bias",
                "3x3_s1_p0", "7x7_s2_p3", "7x7_s1_p3_bias",
                // 16+ channels: the Winograd path of VectorConv (forward and backward-data)
                "3x3_s1_p1_c16", "3x3_s1_p1_c24_7x7");
    }

    static Stream<Arguments> normTrain() {
        return cases("4x3x5x7", "2x5x3x3_shifted", "1x2x4x4", "7x3x1x1");
    }

    static Stream<Arguments> normEval() {
        return cases("2x3x5x5", "3x4x3x7");
    }

    static Stream<Arguments> maxPool() {
        return cases("3x3_s2_p1", "3x3_s2_p1_even", "3x3_s2_p1_negative", "2x2_s2_p0_odd", "3x3_s1_p1", "3x3_s2_p1_ties", "2x2_s1_p0_ties");
    }

    static Stream<Arguments> avgPool() {
        return cases("3x3_s2_p1", "3x3_s2_p1_excludepad", "2x2_s2_p0_odd");
    }

    static Stream<Arguments> globalAvgPool() {
        return cases("2x3x5x7", "3x4x1x1", "1x9x8x8");
    }

    static Stream<Arguments> relu() {
        return cases("2x3x5x7", "3x17");
    }

    static Stream<Arguments> add() {
        return cases("2x3x5x5", "1x7x3x3");
    }

    static Stream<Arguments> loss() {
        return cases("4x10", "5x7_smooth0.1", "3x3_smooth0.2_large", "6x100_large");
    }

    static Stream<Arguments> shortcut() {
        return cases("2x4x8x8_to8_s2", "2x4x7x7_to8_s2", "1x3x5x6_to8_s2", "3x2x5x5_to5_s1");
    }

    static Stream<Arguments> linear() {
        return cases("3x10x7", "1x5x2", "4x17x9");
    }

    // ---- guarded arrays ----

    /** An input at offset OFF, surrounded by NaN. */
    static float[] in(Fixture f, String key) {
        float[] v = f.floats(key);
        float[] a = new float[v.length + 2 * OFF];
        Arrays.fill(a, Float.NaN);
        System.arraycopy(v, 0, a, OFF, v.length);
        return a;
    }

    /** An output region of n floats at offset OFF holding {@code fill}, surrounded by the guard value. */
    static float[] out(int n, float fill) {
        float[] a = new float[n + 2 * OFF];
        Arrays.fill(a, GUARD);
        Arrays.fill(a, OFF, OFF + n, fill);
        return a;
    }

    /** The output region, after checking that the guard cells are untouched. */
    static float[] region(float[] a, String what) {
        for (int i = 0; i < a.length; i++) {
            if ((i < OFF || i >= a.length - OFF) && a[i] != GUARD) {
                throw new AssertionError(what + ": wrote outside its range at " + (i - OFF) + " (relative to the offset)");
            }
        }
        return Arrays.copyOfRange(a, OFF, a.length - OFF);
    }

    static void close(float[] guarded, Fixture f, String key, double rtol, double atol, String what) {
        Fixture.Entry e = f.entry(key);
        Checks.assertClose(region(guarded, what), e.values(), e.dims(), rtol, atol, what);
    }

    static double[] plus(double[] v, double c) {
        double[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] += c;
        }
        return r;
    }

    // ---- tests ----

    @ParameterizedTest(name = "{0} conv2d_{1}")
    @MethodSource("conv")
    void conv(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/conv2d_" + name + ".bin");
        int[] xd = f.entry("x").dims(), wd = f.entry("weight").dims();
        ConvGeometry g = ConvGeometry.of(xd[0], xd[1], xd[2], xd[3], wd[0], wd[2], (int) f.scalar("stride"), (int) f.scalar("padding"));
        float[] y = out(g.outputSize(), Float.NaN);
        impl.conv().forward(g, in(f, "x"), OFF, in(f, "weight"), OFF, y, OFF);
        if (f.has("bias")) {
            impl.elementwise().addBias(g.n(), g.k(), g.p() * g.q(), y, OFF, in(f, "bias"), OFF);
        }
        close(y, f, "y", CONV_TOL, CONV_TOL, impl + " " + name + " forward");

        float[] dx = out(g.inputSize(), Float.NaN);
        impl.conv().backwardData(g, in(f, "dy"), OFF, in(f, "weight"), OFF, dx, OFF);
        close(dx, f, "dx", CONV_TOL, CONV_TOL, impl + " " + name + " backwardData");

        // backwardWeight and biasBackward accumulate: start from 0.5 and 0.25.
        float[] dw = out(g.weightSize(), 0.5f);
        impl.conv().backwardWeight(g, in(f, "x"), OFF, in(f, "dy"), OFF, dw, OFF);
        Checks.assertClose(region(dw, name), plus(f.entry("dweight").values(), 0.5), wd, CONV_TOL, CONV_TOL,
                impl + " " + name + " backwardWeight (accumulating onto 0.5)");
        if (f.has("bias")) {
            float[] db = out(g.k(), 0.25f);
            impl.elementwise().biasBackward(g.n(), g.k(), g.p() * g.q(), in(f, "dy"), OFF, db, OFF);
            Checks.assertClose(region(db, name), plus(f.entry("dbias").values(), 0.25), null, CONV_TOL, CONV_TOL,
                    impl + " " + name + " biasBackward (accumulating onto 0.25)");
        }
    }

    @ParameterizedTest(name = "{0} batchnorm_train_{1}")
    @MethodSource("normTrain")
    void normTrain(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/batchnorm_train_" + name + ".bin");
        int[] d = f.entry("x").dims();
        int n = d[0], c = d[1], hw = d[2] * d[3];
        float[] y = out(n * c * hw, Float.NaN);
        float[] mean = new float[c], var = new float[c];
        impl.norm().forwardTrain(n, c, hw, in(f, "x"), OFF, y, OFF, f.floats("weight"), f.floats("bias"), 1e-5f, mean, var);
        close(y, f, "y", NORM_RTOL, NORM_ATOL, impl + " " + name + " forwardTrain");
        // The saved statistics are the batch mean and biased variance (computed here in double from x).
        float[] x = f.floats("x");
        double[] m = new double[c], v = new double[c];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                for (int e = 0; e < hw; e++) {
                    m[j] += x[(i * c + j) * hw + e] / (double) (n * hw);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                for (int e = 0; e < hw; e++) {
                    double dd = x[(i * c + j) * hw + e] - m[j];
                    v[j] += dd * dd / (n * hw);
                }
            }
        }
        Checks.assertClose(mean, m, null, 1e-6, 1e-7, impl + " " + name + " saveMean");
        Checks.assertClose(var, v, null, 1e-6, 1e-7, impl + " " + name + " saveVar (biased)");

        float[] dx = out(n * c * hw, Float.NaN);
        float[] dGamma = new float[c], dBeta = new float[c];
        impl.norm().backward(n, c, hw, in(f, "x"), OFF, in(f, "dy"), OFF, f.floats("weight"), mean, var, 1e-5f, true,
                dx, OFF, dGamma, dBeta);
        close(dx, f, "dx", NORM_RTOL, NORM_ATOL, impl + " " + name + " backward dx");
        Checks.assertClose(dGamma, f.entry("dweight").values(), null, NORM_RTOL, NORM_ATOL, impl + " " + name + " dGamma");
        Checks.assertClose(dBeta, f.entry("dbias").values(), null, NORM_RTOL, NORM_ATOL, impl + " " + name + " dBeta");
    }

    @ParameterizedTest(name = "{0} batchnorm_eval_{1}")
    @MethodSource("normEval")
    void normEval(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/batchnorm_eval_" + name + ".bin");
        int[] d = f.entry("x").dims();
        int n = d[0], c = d[1], hw = d[2] * d[3];
        float[] y = out(n * c * hw, Float.NaN);
        impl.norm().forwardEval(n, c, hw, in(f, "x"), OFF, y, OFF, f.floats("weight"), f.floats("bias"),
                f.floats("running_mean"), f.floats("running_var"), 1e-5f);
        close(y, f, "y", NORM_RTOL, NORM_ATOL, impl + " " + name + " forwardEval");
        float[] dx = out(n * c * hw, Float.NaN);
        float[] dGamma = new float[c], dBeta = new float[c];
        impl.norm().backward(n, c, hw, in(f, "x"), OFF, in(f, "dy"), OFF, f.floats("weight"), f.floats("running_mean"),
                f.floats("running_var"), 1e-5f, false, dx, OFF, dGamma, dBeta);
        close(dx, f, "dx", NORM_RTOL, NORM_ATOL, impl + " " + name + " backward (running stats) dx");
        Checks.assertClose(dGamma, f.entry("dweight").values(), null, NORM_RTOL, NORM_ATOL, impl + " " + name + " dGamma");
        Checks.assertClose(dBeta, f.entry("dbias").values(), null, NORM_RTOL, NORM_ATOL, impl + " " + name + " dBeta");
    }

    @ParameterizedTest(name = "{0} maxpool_{1}")
    @MethodSource("maxPool")
    void maxPool(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/maxpool_" + name + ".bin");
        int[] d = f.entry("x").dims();
        PoolGeometry g = PoolGeometry.of(d[0], d[1], d[2], d[3], (int) f.scalar("kernel"), (int) f.scalar("stride"), (int) f.scalar("padding"));
        float[] y = out(g.outputSize(), Float.NaN);
        int[] argmax = new int[g.outputSize()];
        impl.pool().maxForward(g, in(f, "x"), OFF, y, OFF, argmax);
        close(y, f, "y", 0, 0, impl + " " + name + " maxForward");
        float[] dx = out(g.inputSize(), Float.NaN);
        impl.pool().maxBackward(g, in(f, "dy"), OFF, argmax, dx, OFF);
        close(dx, f, "dx", POOL_RTOL, POOL_ATOL, impl + " " + name + " maxBackward");
    }

    @ParameterizedTest(name = "{0} avgpool_{1}")
    @MethodSource("avgPool")
    void avgPool(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/avgpool_" + name + ".bin");
        int[] d = f.entry("x").dims();
        int k = (int) f.scalar("kernel"), s = (int) f.scalar("stride"), p = (int) f.scalar("padding");
        PoolGeometry g = new PoolGeometry(d[0], d[1], d[2], d[3], k, k, s, s, p, p, p, p, f.scalar("count_include_pad") != 0);
        float[] y = out(g.outputSize(), Float.NaN);
        impl.pool().avgForward(g, in(f, "x"), OFF, y, OFF);
        close(y, f, "y", AVG_RTOL, AVG_ATOL, impl + " " + name + " avgForward");
        float[] dx = out(g.inputSize(), Float.NaN);
        impl.pool().avgBackward(g, in(f, "dy"), OFF, dx, OFF);
        close(dx, f, "dx", AVG_RTOL, AVG_ATOL, impl + " " + name + " avgBackward");
    }

    @ParameterizedTest(name = "{0} globalavgpool_{1}")
    @MethodSource("globalAvgPool")
    void globalAvgPool(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/globalavgpool_" + name + ".bin");
        int[] d = f.entry("x").dims();
        int planes = d[0] * d[1], hw = d[2] * d[3];
        float[] y = out(planes, Float.NaN);
        impl.pool().globalAvgForward(planes, hw, in(f, "x"), OFF, y, OFF);
        close(y, f, "y", AVG_RTOL, AVG_ATOL, impl + " " + name + " globalAvgForward");
        float[] dx = out(planes * hw, Float.NaN);
        impl.pool().globalAvgBackward(planes, hw, in(f, "dy"), OFF, dx, OFF);
        close(dx, f, "dx", AVG_RTOL, AVG_ATOL, impl + " " + name + " globalAvgBackward");
    }

    @ParameterizedTest(name = "{0} relu_{1}")
    @MethodSource("relu")
    void relu(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/relu_" + name + ".bin");
        int len = f.floats("x").length;
        float[] y = out(len, Float.NaN);
        impl.elementwise().relu(len, in(f, "x"), OFF, y, OFF);
        close(y, f, "y", 0, 0, impl + " " + name + " relu");
        float[] yIn = new float[len + 2 * OFF];
        Arrays.fill(yIn, Float.NaN);
        System.arraycopy(y, OFF, yIn, OFF, len);
        float[] dx = out(len, Float.NaN);
        impl.elementwise().reluBackward(len, yIn, OFF, in(f, "dy"), OFF, dx, OFF);
        close(dx, f, "dx", 0, 0, impl + " " + name + " reluBackward");
    }

    @ParameterizedTest(name = "{0} add_{1}")
    @MethodSource("add")
    void add(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/add_" + name + ".bin");
        int len = f.floats("a").length;
        // a + b rounded once to float32: within half an ulp of the float64 sum.
        float[] y = out(len, Float.NaN);
        impl.elementwise().add(len, in(f, "a"), OFF, in(f, "b"), OFF, y, OFF);
        close(y, f, "y", 1e-7, 0, impl + " " + name + " add");
        float[] acc = out(len, 0f);
        System.arraycopy(f.floats("b"), 0, acc, OFF, len);
        impl.elementwise().accumulate(len, in(f, "a"), OFF, acc, OFF);
        close(acc, f, "y", 1e-7, 0, impl + " " + name + " accumulate");
        float[] yr = out(len, Float.NaN);
        impl.elementwise().addRelu(len, in(f, "a"), OFF, in(f, "b"), OFF, yr, OFF);
        double[] expected = f.entry("y").values().clone();
        for (int i = 0; i < len; i++) {
            expected[i] = Math.max(expected[i], 0);
        }
        Checks.assertClose(region(yr, name), expected, f.entry("y").dims(), 1e-7, 0, impl + " " + name + " addRelu");
        // The gradient of a + b is dy for both operands: Residual.backward's split, checked on the fixture.
        assertThat(f.entry("da").values()).containsExactly(f.entry("dy").values());
        assertThat(f.entry("db").values()).containsExactly(f.entry("dy").values());
    }

    @ParameterizedTest(name = "{0} crossentropy_{1}")
    @MethodSource("loss")
    void loss(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/crossentropy_" + name + ".bin");
        int[] d = f.entry("logits").dims();
        float[] dl = out(d[0] * d[1], Float.NaN);
        double l = impl.loss().softmaxCrossEntropy(d[0], d[1], in(f, "logits"), OFF, f.ints("labels"),
                (float) f.scalar("smoothing"), dl, OFF);
        assertThat(Math.abs(l - f.scalar("loss"))).as(impl + " " + name + " loss").isLessThanOrEqualTo(LOSS_RTOL * Math.abs(f.scalar("loss")) + 1e-7);
        close(dl, f, "dlogits", GRAD_RTOL, GRAD_ATOL, impl + " " + name + " dlogits");
    }

    @ParameterizedTest(name = "{0} shortcuta_{1}")
    @MethodSource("shortcut")
    void shortcut(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/shortcuta_" + name + ".bin");
        int[] d = f.entry("x").dims();
        int k = (int) f.scalar("planes"), s = (int) f.scalar("stride");
        float[] y = out(f.floats("y").length, Float.NaN);
        impl.shortcut().forward(d[0], d[1], d[2], d[3], k, s, in(f, "x"), OFF, y, OFF);
        close(y, f, "y", 0, 0, impl + " " + name + " forward");
        float[] dx = out(f.floats("x").length, Float.NaN);
        impl.shortcut().backward(d[0], d[1], d[2], d[3], k, s, in(f, "dy"), OFF, dx, OFF);
        close(dx, f, "dx", 0, 0, impl + " " + name + " backward");
    }

    @ParameterizedTest(name = "{0} linear_{1}")
    @MethodSource("linear")
    void linearThroughGemm(Impl impl, String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/linear_" + name + ".bin");
        int n = f.entry("x").dims()[0], outF = f.entry("weight").dims()[0], inF = f.entry("weight").dims()[1];
        // y (n, out) = x (n, in) . W^T, W stored (out, in)
        float[] y = out(n * outF, Float.NaN);
        impl.gemm().sgemm(false, true, n, outF, inF, in(f, "x"), OFF, inF, in(f, "weight"), OFF, inF, y, OFF, outF, false);
        impl.elementwise().addBias(n, outF, 1, y, OFF, in(f, "bias"), OFF);
        close(y, f, "y", GEMM_TOL, GEMM_TOL, impl + " " + name + " x W^T + b");
        // dW (out, in) += dy^T . x, onto 0.5
        float[] dw = out(outF * inF, 0.5f);
        impl.gemm().sgemm(true, false, outF, inF, n, in(f, "dy"), OFF, outF, in(f, "x"), OFF, inF, dw, OFF, inF, true);
        Checks.assertClose(region(dw, name), plus(f.entry("dweight").values(), 0.5), null, GEMM_TOL, GEMM_TOL,
                impl + " " + name + " dy^T x accumulated onto 0.5");
        // dx (n, in) = dy . W
        float[] dx = out(n * inF, Float.NaN);
        impl.gemm().sgemm(false, false, n, inF, outF, in(f, "dy"), OFF, outF, in(f, "weight"), OFF, inF, dx, OFF, inF, false);
        close(dx, f, "dx", GEMM_TOL, GEMM_TOL, impl + " " + name + " dy W");
    }
}
