package io.resnet4j.nn;

import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.resnet4j.testing.Checks.assertClose;

/** GlobalAvgPool (AdaptiveAvgPool2d(1)) against PyTorch (tools/reference/ops.py) and finite differences. */
class GlobalAvgPoolTest {
    /** A mean of at most 64 values, and its backward dy / hw: float32 rounding, 1e-6 relative. */
    static final double RTOL = 1e-5, ATOL = 1e-6;

    @ParameterizedTest
    @ValueSource(strings = {"2x3x5x7", "3x4x1x1", "1x9x8x8"})
    void forwardAndBackwardMatchPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/globalavgpool_" + name + ".bin");
        GlobalAvgPool pool = new GlobalAvgPool();
        assertClose(pool.forward(f.tensor("x")), f, "y", RTOL, ATOL, name + " y");
        assertClose(pool.backward(f.tensor("dy")), f, "dx", RTOL, ATOL, name + " dx");
    }

    @Test
    void finiteDifferences() {
        GradCheck.module("GlobalAvgPool", new GlobalAvgPool(), Checks.randn(61, 2, 3, 5, 3), 62, GradCheck.Options.strict());
    }
}
