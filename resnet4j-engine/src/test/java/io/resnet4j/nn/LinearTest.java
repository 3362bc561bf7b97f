package io.resnet4j.nn;

import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.resnet4j.testing.Checks.assertClose;

/** Linear against PyTorch (tools/reference/ops.py) and finite differences. */
class LinearTest {
    /** Dot products of at most 17 O(1) terms (and batch sums of 4 for dW): float32 rounding well below 1e-5. */
    static final double RTOL = 1e-5, ATOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"3x10x7", "1x5x2", "4x17x9"})
    void forwardAndBackwardMatchPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/linear_" + name + ".bin");
        int out = f.entry("weight").dims()[0], in = f.entry("weight").dims()[1];
        Linear fc = new Linear(in, out);
        Checks.load(fc.weight().value(), f.tensor("weight"), "weight");
        Checks.load(fc.bias().value(), f.tensor("bias"), "bias");
        assertClose(fc.forward(f.tensor("x")), f, "y", RTOL, ATOL, name + " y");
        assertClose(fc.backward(f.tensor("dy")), f, "dx", RTOL, ATOL, name + " dx");
        assertClose(fc.weight().grad(), f, "dweight", RTOL, ATOL, name + " dweight");
        assertClose(fc.bias().grad(), f, "dbias", RTOL, ATOL, name + " dbias");
    }

    @Test
    void finiteDifferences() {
        Linear fc = new Linear(7, 5);
        fc.initialize(81);
        GradCheck.module("Linear 7->5", fc, Checks.randn(82, 3, 7), 83, GradCheck.Options.strict());
    }
}
