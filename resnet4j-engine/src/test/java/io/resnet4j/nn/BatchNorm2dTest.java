package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.resnet4j.testing.Checks.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BatchNorm2d in training and eval mode against PyTorch (tools/reference/ops.py) and finite differences. */
class BatchNorm2dTest {
    /*
     * Outputs and gradients: statistics over at most 140 values per channel; float32 rounding of x, xhat and the
     * backward's cancellation (dy - mean(dy) - xhat * mean(dy * xhat)) stays near 1e-6 of O(1) values.
     * Running statistics are one momentum step in double rounded to float32: 1 ulp, so 1e-6.
     */
    static final double RTOL = 1e-4, ATOL = 1e-5;
    static final double STATS_RTOL = 1e-6, STATS_ATOL = 1e-7;

    static BatchNorm2d fromFixture(Fixture f) {
        BatchNorm2d bn = new BatchNorm2d(f.tensor("weight").numel());
        Checks.load(bn.weight().value(), f.tensor("weight"), "weight");
        Checks.load(bn.bias().value(), f.tensor("bias"), "bias");
        Checks.load(bn.runningMean(), f.tensor("running_mean"), "running_mean");
        Checks.load(bn.runningVar(), f.tensor("running_var"), "running_var");
        return bn;
    }

    @ParameterizedTest
    @ValueSource(strings = {"4x3x5x7", "2x5x3x3_shifted", "1x2x4x4", "7x3x1x1"})
    void trainingModeMatchesPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/batchnorm_train_" + name + ".bin");
        BatchNorm2d bn = fromFixture(f);
        assertClose(bn.forward(f.tensor("x")), f, "y", RTOL, ATOL, name + " y");
        assertClose(bn.runningMean(), f, "running_mean_after", STATS_RTOL, STATS_ATOL, name + " running_mean (momentum 0.1)");
        assertClose(bn.runningVar(), f, "running_var_after", STATS_RTOL, STATS_ATOL, name + " running_var (momentum 0.1, unbiased)");
        assertThat(bn.numBatchesTracked()).isEqualTo(1);
        assertClose(bn.backward(f.tensor("dy")), f, "dx", RTOL, ATOL, name + " dx");
        assertClose(bn.weight().grad(), f, "dweight", RTOL, ATOL, name + " dweight");
        assertClose(bn.bias().grad(), f, "dbias", RTOL, ATOL, name + " dbias");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2x3x5x5", "3x4x3x7"})
    void evalModeMatchesPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/batchnorm_eval_" + name + ".bin");
        BatchNorm2d bn = fromFixture(f);
        bn.train(false);
        assertClose(bn.forward(f.tensor("x")), f, "y", RTOL, ATOL, name + " y");
        // Eval mode leaves the running statistics alone.
        assertClose(bn.runningMean(), f, "running_mean", 0, 0, name + " running_mean unchanged");
        assertClose(bn.runningVar(), f, "running_var", 0, 0, name + " running_var unchanged");
        assertThat(bn.numBatchesTracked()).isZero();
        assertClose(bn.backward(f.tensor("dy")), f, "dx", RTOL, ATOL, name + " dx");
        assertClose(bn.weight().grad(), f, "dweight", RTOL, ATOL, name + " dweight");
        assertClose(bn.bias().grad(), f, "dbias", RTOL, ATOL, name + " dbias");
    }

    private static BatchNorm2d randomBn(int c, long seed) {
        BatchNorm2d bn = new BatchNorm2d(c);
        Tensor g = Checks.randn(seed, c);
        for (int j = 0; j < c; j++) {
            g.data()[j] = 1f + 0.3f * g.data()[j];
        }
        bn.weight().value().copyFrom(g);
        bn.bias().value().copyFrom(Checks.randn(seed + 1, c));
        Tensor rv = Checks.randn(seed + 2, c);
        for (int j = 0; j < c; j++) {
            rv.data()[j] = 1f + 0.4f * Math.abs(rv.data()[j]);
        }
        bn.runningVar().copyFrom(rv);
        bn.runningMean().copyFrom(Checks.randn(seed + 3, c));
        return bn;
    }

    @Test
    void finiteDifferencesTrainingMode() {
        GradCheck.module("BatchNorm2d train (3,4,3,5)", randomBn(4, 21), Checks.randn(22, 3, 4, 3, 5), 23, GradCheck.Options.strict());
        GradCheck.module("BatchNorm2d train (5,2,1,1)", randomBn(2, 24), Checks.randn(25, 5, 2, 1, 1), 26, GradCheck.Options.strict());
    }

    @Test
    void finiteDifferencesEvalMode() {
        BatchNorm2d bn = randomBn(4, 31);
        bn.train(false);
        GradCheck.module("BatchNorm2d eval (2,4,3,5)", bn, Checks.randn(32, 2, 4, 3, 5), 33, GradCheck.Options.strict());
    }

    @Test
    void trainingModeNeedsMoreThanOneValuePerChannel() {
        BatchNorm2d bn = new BatchNorm2d(3);
        assertThatThrownBy(() -> bn.forward(new Tensor(Shape.of(1, 3, 1, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than one value per channel");
    }
}
