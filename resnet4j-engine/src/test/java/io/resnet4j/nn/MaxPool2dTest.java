package io.resnet4j.nn;

import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.resnet4j.testing.Checks.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

/** MaxPool2d against PyTorch (tools/reference/ops.py, incl. ties and all-negative windows next to padding) and finite differences. */
class MaxPool2dTest {
    /*
     * The forward selects values: exact. Backward adds up to 4 upstream values into one input where windows
     * overlap (3x3 stride 2): float32 summation, 1e-6 relative.
     */
    static final double Y_RTOL = 0, Y_ATOL = 0;
    static final double DX_RTOL = 1e-6, DX_ATOL = 1e-6;

    @ParameterizedTest
    @ValueSource(strings = {"3x3_s2_p1", "3x3_s2_p1_even", "3x3_s2_p1_negative", "2x2_s2_p0_odd", "3x3_s1_p1",
            "3x3_s2_p1_ties", "2x2_s1_p0_ties"})
    void forwardAndBackwardMatchPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/maxpool_" + name + ".bin");
        MaxPool2d pool = new MaxPool2d((int) f.scalar("kernel"), (int) f.scalar("stride"), (int) f.scalar("padding"));
        assertClose(pool.forward(f.tensor("x")), f, "y", Y_RTOL, Y_ATOL, name + " y");
        // With ties, PyTorch routes the gradient to the first maximum in scan order; so must we.
        assertClose(pool.backward(f.tensor("dy")), f, "dx", DX_RTOL, DX_ATOL, name + " dx");
    }

    @Test
    void finiteDifferences() {
        // Inputs 0.05 apart, h = 0.01: no perturbation changes a window's winner, so none may be skipped.
        for (int[] c : new int[][] {{3, 2, 1}, {2, 2, 0}, {3, 1, 1}}) {
            GradCheck.Report r = GradCheck.module("MaxPool2d k" + c[0] + " s" + c[1] + " p" + c[2], new MaxPool2d(c[0], c[1], c[2]),
                    Checks.distinct(51, 0.05, 2, 2, 7, 6), 52, GradCheck.Options.strict());
            assertThat(r.skipped()).isZero();
        }
    }
}
