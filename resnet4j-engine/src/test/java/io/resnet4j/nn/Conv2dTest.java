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

/** Conv2d against PyTorch (tools/reference/ops.py) and finite differences. */
class Conv2dTest {
    /*
     * Tolerance against the float64 reference: float32 sums of up to c*k*k = 147 (forward, backward-data) or
     * n*p*q = 216 (backward-weight) products of O(1) values. Rounding gives ~1e-6 on typical elements and stays
     * below 1e-4 even with a float32 accumulation order of a blocked SIMD kernel; an indexing error is O(1).
     */
    static final double RTOL = 1e-4, ATOL = 1e-4;

    static Conv2d fromFixture(Fixture f) {
        Shape ws = f.tensor("weight").shape();
        Conv2d conv = new Conv2d(ws.dim(1), ws.dim(0), ws.dim(2), (int) f.scalar("stride"), (int) f.scalar("padding"), f.has("bias"));
        Checks.load(conv.weight().value(), f.tensor("weight"), "weight");
        if (f.has("bias")) {
            Checks.load(conv.bias().value(), f.tensor("bias"), "bias");
        }
        return conv;
    }

    @ParameterizedTest
    @ValueSource(strings = {"1x1_s1_p0", "1x1_s2_p0_bias", "3x3_s1_p1", "3x3_s1_p1_bias", "3x3_s2_p1", "3x3_s2_p0_bias",
            "3x3_s1_p0", "7x7_s2_p3", "7x7_s1_p3_bias"})
    void forwardAndBackwardMatchPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "ops/conv2d_" + name + ".bin");
        Conv2d conv = fromFixture(f);
        Tensor x = f.tensor("x");
        assertThat(conv.outputShape(x.shape())).isEqualTo(f.entry("y").shape());
        assertClose(conv.forward(x), f, "y", RTOL, ATOL, name + " y");
        assertClose(conv.backward(f.tensor("dy")), f, "dx", RTOL, ATOL, name + " dx");
        assertClose(conv.weight().grad(), f, "dweight", RTOL, ATOL, name + " dweight");
        if (f.has("bias")) {
            assertClose(conv.bias().grad(), f, "dbias", RTOL, ATOL, name + " dbias");
        }
        // A second pass with the same buffers: outputs are overwritten, parameter gradients accumulate (PyTorch's rule).
        assertClose(conv.forward(x), f, "y", RTOL, ATOL, name + " y, second pass");
        assertClose(conv.backward(f.tensor("dy")), f, "dx", RTOL, ATOL, name + " dx, second pass");
        double[] twice = f.entry("dweight").values().clone();
        for (int i = 0; i < twice.length; i++) {
            twice[i] *= 2;
        }
        Checks.assertClose(conv.weight().grad().data(), twice, null, RTOL, 2 * ATOL, name + " dweight accumulated over two passes");
    }

    @Test
    void finiteDifferences() {
        for (int[] c : new int[][] {{3, 1, 1}, {3, 2, 1}, {1, 2, 0}, {5, 2, 2}}) {
            Conv2d conv = new Conv2d(3, 4, c[0], c[1], c[2], true);
            conv.initialize(11);
            // The bias starts at zero; random values make a forward that ignores it show.
            conv.bias().value().copyFrom(Checks.randn(12, 4));
            Tensor x = Checks.randn(13, 2, 3, 6, 5);
            GradCheck.module("Conv2d k" + c[0] + " s" + c[1] + " p" + c[2], conv, x, 14, GradCheck.Options.strict());
        }
    }

    @Test
    void badInputShapeIsAClearError() {
        Conv2d conv = new Conv2d(3, 4, 3, 1, 1, false);
        assertThatThrownBy(() -> conv.forward(new Tensor(Shape.of(1, 2, 5, 5))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 input channels");
    }
}
