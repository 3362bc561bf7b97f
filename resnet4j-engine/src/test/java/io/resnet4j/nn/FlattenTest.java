package io.resnet4j.nn;

import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.resnet4j.testing.Checks.assertClose;

/** Flatten against PyTorch (tools/reference/ops.py) and finite differences. */
class FlattenTest {
    /** A reshape: exact. */
    static final double RTOL = 0, ATOL = 0;

    @ParameterizedTest
    @ValueSource(strings = {"2x3x4x5", "3x7x1x1"})
    void forwardAndBackwardMatchPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/flatten_" + name + ".bin");
        Flatten flatten = new Flatten();
        assertClose(flatten.forward(f.tensor("x")), f, "y", RTOL, ATOL, name + " y");
        assertClose(flatten.backward(f.tensor("dy")), f, "dx", RTOL, ATOL, name + " dx");
    }

    @Test
    void finiteDifferences() {
        GradCheck.module("Flatten", new Flatten(), Checks.randn(71, 2, 3, 2, 2), 72, GradCheck.Options.strict());
    }
}
