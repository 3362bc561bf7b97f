package io.resnet4j.nn;

import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.resnet4j.testing.Checks.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

/** ReLU against PyTorch (tools/reference/ops.py; the inputs hold exact zeros, where the gradient is 0) and finite differences. */
class ReLUTest {
    /** ReLU selects values: forward and backward must be exact. */
    static final double RTOL = 0, ATOL = 0;

    @ParameterizedTest
    @ValueSource(strings = {"2x3x5x7", "3x17"})
    void forwardAndBackwardMatchPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/relu_" + name + ".bin");
        ReLU relu = new ReLU();
        assertClose(relu.forward(f.tensor("x")), f, "y", RTOL, ATOL, name + " y");
        assertClose(relu.backward(f.tensor("dy")), f, "dx", RTOL, ATOL, name + " dx");
    }

    @Test
    void finiteDifferences() {
        // |x| >= 0.05 > h: no perturbation crosses the kink, so none may be skipped.
        GradCheck.Report r = GradCheck.module("ReLU", new ReLU(), Checks.randnAwayFromZero(41, 0.05, 2, 3, 4, 5), 42,
                GradCheck.Options.strict());
        assertThat(r.skipped()).isZero();
    }
}
