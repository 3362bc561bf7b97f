package io.resnet4j.nn;

import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Modules keep their output and gradient buffers while the batch shape stays, and switch correctly when it
 * changes (a training batch, then a smaller last batch, then training again): results are bitwise those of a
 * fresh network.
 */
class BufferReuseTest {
    @Test
    void buffersAreReusedAtOneShapeAndReplacedWhenTheShapeChanges() {
        Sequential reused = ThreadDeterminismTest.smallResNet();
        reused.initialize(5);
        Tensor first = null, firstGrad = null;
        int[][] shapes = {{3, 3, 9, 9}, {3, 3, 9, 9}, {2, 3, 9, 9}, {2, 3, 7, 5}, {3, 3, 9, 9}};
        for (int k = 0; k < shapes.length; k++) {
            Tensor x = Checks.randn(100 + k, shapes[k]);
            Sequential fresh = ThreadDeterminismTest.smallResNet();
            fresh.initialize(5);

            reused.zeroGrad();
            Tensor y = reused.forward(x);
            Tensor dy = Checks.randn(200 + k, y.shape().dims());
            Tensor dx = reused.backward(dy);
            Tensor yFresh = fresh.forward(x);
            Tensor dxFresh = fresh.backward(dy);
            Checks.assertBitwiseEqual(yFresh.data(), y.data(), "output for batch shape " + x.shape());
            Checks.assertBitwiseEqual(dxFresh.data(), dx.data(), "input gradient for batch shape " + x.shape());
            for (Map.Entry<String, Parameter> p : fresh.namedParameters().entrySet()) {
                Checks.assertBitwiseEqual(p.getValue().grad().data(), reused.namedParameters().get(p.getKey()).grad().data(),
                        "grad " + p.getKey() + " for batch shape " + x.shape());
            }
            if (k == 0) {
                first = y;
                firstGrad = dx;
            } else if (k == 1) {
                assertThat(y).as("the output buffer at the same shape").isSameAs(first);
                assertThat(dx).as("the input-gradient buffer at the same shape").isSameAs(firstGrad);
            }
        }
    }
}
