package io.resnet4j.testing;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Finite-difference gradient checks for modules that compute in float32.
 *
 * <p>The objective is a scalar {@code L = sum_i r_i * y_i}, accumulated in double, with a fixed random
 * float32 {@code r}; its analytic gradient is what {@code backward(r)} returns (input) and accumulates
 * (parameters). Each input and parameter element v is perturbed to the float32 values {@code v+ = fl(v + h)}
 * and {@code v- = fl(v - h)}, and the central difference {@code (L(v+) - L(v-)) / (v+ - v-)} (the true
 * float32 step, in double) is compared with the analytic value.
 *
 * <p>Why these numbers: L is a double sum of float32 outputs, each rounded with relative error up to
 * 2^-24 ~ 6e-8, so L carries an absolute noise of about {@code 6e-8 * sqrt(m) * |r| |y|} over the m outputs
 * that a perturbation changes; divided by the step 2h that is ~3e-6 * sqrt(m) for h = 1e-2 and O(1) values.
 * The truncation error of a central difference is {@code h^2/6 * |L'''|}: zero for the piecewise-linear
 * modules (conv, linear, pooling, shortcut, ReLU between its kinks) and ~1e-5 for batch norm's smooth
 * curvature at h = 1e-2. The optimum for float32 would be near h = (3 * 6e-8)^(1/3) ~ 6e-3 for smooth
 * functions; 1e-2 is used because most modules are piecewise linear, where a larger step only lowers the noise.
 * The default tolerance, |numeric - analytic| <= 1e-3 + 1e-2 * max(|numeric|, |analytic|), is therefore ~10x
 * above the worst expected error and far below the O(1) relative error of a wrong gradient.
 *
 * <p>Kinks (ReLU at 0, a max-pool winner changing): a perturbation that crosses a kink at distance d < h
 * makes the central difference wrong by exactly half the difference of the two one-sided slopes. When
 * {@link Options#kinks()} is on, an element whose mismatch is explained by such a slope jump is skipped and
 * counted; the check fails when more than {@link Options#maxSkipFraction()} of the elements are skipped.
 * Tests should pick inputs away from kinks ({@link Checks#randnAwayFromZero}, {@link Checks#distinct}) so
 * that skips stay rare.
 */
public final class GradCheck {
    private GradCheck() {
    }

    /**
     * @param step            h, the perturbation (absolute; inputs and parameters are O(1))
     * @param rtol            relative part of the allowance, times max(|numeric|, |analytic|)
     * @param atol            absolute part of the allowance
     * @param kinks           whether an element whose error is explained by a slope jump may be skipped
     * @param maxSkipFraction the largest fraction of skipped elements that still passes
     */
    public record Options(double step, double rtol, double atol, boolean kinks, double maxSkipFraction) {
        public Options {
            if (!(step > 0) || !(rtol >= 0) || !(atol >= 0) || !(maxSkipFraction >= 0 && maxSkipFraction < 1)) {
                throw new IllegalArgumentException("bad gradient-check options: step > 0, tolerances >= 0, skip fraction in [0, 1)");
            }
        }

        /** For smooth or piecewise-linear modules checked away from their kinks: no element may be skipped. */
        public static Options strict() {
            return new Options(1e-2, 1e-2, 1e-3, false, 0);
        }

        /** For composites with ReLUs or max pools inside: up to 2% of the elements may be skipped as kink crossings. */
        public static Options withKinks() {
            return new Options(1e-3, 1e-2, 3e-3, true, 0.05);
        }

        public Options withTolerance(double rtol, double atol) {
            return new Options(step, rtol, atol, kinks, maxSkipFraction);
        }
    }

    /** One variable: its float32 values (perturbed in place, restored after) and the analytic gradient. */
    public record Variable(String name, float[] values, float[] analytic) {
    }

    /** What was checked: elements compared, elements skipped as kink crossings, the worst error in allowances. */
    public record Report(String what, int checked, int skipped, double worstRatio, String worst) {
        @Override
        public String toString() {
            return String.format("%s: %d elements checked, %d skipped at kinks, worst %.3g x allowance (%s)",
                    what, checked, skipped, worstRatio, worst);
        }
    }

    /**
     * Checks {@code module}'s input gradient and every parameter gradient at input {@code x}, in the module's
     * current mode. Buffers (BN running statistics) are restored afterwards, parameter gradients are left at
     * the analytic values of one backward pass.
     */
    public static Report module(String what, Module module, Tensor x, long seed, Options options) {
        Map<String, float[]> savedBuffers = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> b : module.namedBuffers().entrySet()) {
            savedBuffers.put(b.getKey(), b.getValue().data().clone());
        }
        List<long[]> savedCounts = new ArrayList<>();
        for (Module m : module.modules()) {
            if (m instanceof BatchNorm2d bn) {
                savedCounts.add(new long[] {bn.numBatchesTracked()});
            }
        }
        Tensor x0 = x.copy();
        module.zeroGrad();
        Tensor y = module.forward(x0);
        float[] r = new float[y.numel()];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) rng.nextGaussian();
        }
        Tensor gradOut = Tensor.wrap(y.shape(), r);
        float[] dx = module.backward(gradOut).data().clone();

        List<Variable> vars = new ArrayList<>();
        vars.add(new Variable("input", x0.data(), dx));
        for (Map.Entry<String, Parameter> p : module.namedParameters().entrySet()) {
            vars.add(new Variable(p.getKey(), p.getValue().value().data(), p.getValue().grad().data().clone()));
        }
        Report report = objective(what, vars, () -> dot(r, module.forward(x0).data()), options);

        for (Map.Entry<String, Tensor> b : module.namedBuffers().entrySet()) {
            System.arraycopy(savedBuffers.get(b.getKey()), 0, b.getValue().data(), 0, b.getValue().numel());
        }
        int k = 0;
        for (Module m : module.modules()) {
            if (m instanceof BatchNorm2d bn) {
                bn.setNumBatchesTracked(savedCounts.get(k++)[0]);
            }
        }
        return report;
    }

    /**
     * The core check: perturbs each element of each variable, evaluates {@code objective} (which must read the
     * variables' arrays), and compares the central difference with the analytic gradient. Prints and returns
     * the report; throws AssertionError naming the worst element when the check fails.
     */
    public static Report objective(String what, List<Variable> variables, DoubleSupplier objective, Options o) {
        double l0 = objective.getAsDouble();
        int checked = 0, skipped = 0, total = 0;
        double worstRatio = 0;
        String worst = "none";
        List<String> failures = new ArrayList<>();
        for (Variable v : variables) {
            float[] a = v.values();
            if (v.analytic().length != a.length) {
                throw new AssertionError(what + ": analytic gradient of " + v.name() + " has " + v.analytic().length
                        + " values for " + a.length + " variables");
            }
            for (int i = 0; i < a.length; i++) {
                total++;
                float orig = a[i];
                float plus = (float) (orig + o.step());
                float minus = (float) (orig - o.step());
                a[i] = plus;
                double lp = objective.getAsDouble();
                a[i] = minus;
                double lm = objective.getAsDouble();
                a[i] = orig;
                double numeric = (lp - lm) / ((double) plus - minus);
                double analytic = v.analytic()[i];
                double err = Math.abs(numeric - analytic);
                double allowed = o.atol() + o.rtol() * Math.max(Math.abs(numeric), Math.abs(analytic));
                if (err > allowed && o.kinks()) {
                    // A kink inside [minus, plus] bends the one-sided slopes apart; half their difference is the
                    // central difference's error there.
                    double slopeJump = (lp - l0) / ((double) plus - orig) - (l0 - lm) / ((double) orig - minus);
                    if (Math.abs(slopeJump) / 2 >= 0.5 * err) {
                        skipped++;
                        continue;
                    }
                }
                checked++;
                double ratio = err / allowed;
                String where = String.format("%s[%d]: numeric %.7g, analytic %.7g", v.name(), i, numeric, analytic);
                if (ratio > worstRatio) {
                    worstRatio = ratio;
                    worst = where;
                }
                if (ratio > 1 && failures.size() < 5) {
                    failures.add(where);
                }
            }
        }
        Report report = new Report(what, checked, skipped, worstRatio, worst);
        System.out.println("gradcheck " + report);
        if (total == 0) {
            throw new AssertionError(what + ": nothing to check");
        }
        if (worstRatio > 1) {
            throw new AssertionError(String.format("%s: finite differences disagree with backward "
                            + "(|numeric - analytic| <= %.1e + %.1e * max(|numeric|, |analytic|), h = %.1e); worst %s; first failures %s",
                    what, o.atol(), o.rtol(), o.step(), worst, failures));
        }
        if (skipped > o.maxSkipFraction() * total) {
            throw new AssertionError(String.format("%s: %d of %d perturbations crossed a kink (allowed %.1f%%): "
                    + "choose inputs further from ReLU/max-pool kinks or a smaller step", what, skipped, total, 100 * o.maxSkipFraction()));
        }
        return report;
    }

    /** sum r_i * y_i in double. */
    public static double dot(float[] r, float[] y) {
        if (r.length != y.length) {
            throw new AssertionError("output size changed between evaluations: " + r.length + " vs " + y.length);
        }
        double s = 0;
        for (int i = 0; i < r.length; i++) {
            s += (double) r[i] * y[i];
        }
        return s;
    }
}
