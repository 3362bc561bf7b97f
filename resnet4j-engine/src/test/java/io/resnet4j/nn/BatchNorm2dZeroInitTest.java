package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchNorm2dZeroInitTest {
    @Test
    void zeroInitScaleStartsAndRestartsAtZeroAndStillLearns() {
        BatchNorm2d bn = new BatchNorm2d(3, 1e-5f, 0.1f, true);
        assertThat(bn.zeroInitScale()).isTrue();
        assertThat(bn.weight().value().data()).containsOnly(0f);
        bn.weight().value().fill(2f);
        bn.initialize(1);
        assertThat(bn.weight().value().data()).containsOnly(0f);
        assertThat(bn.bias().value().data()).containsOnly(0f);
        assertThat(bn.runningVar().data()).containsOnly(1f);
        assertThat(new BatchNorm2d(3).weight().value().data()).containsOnly(1f);

        // Output is beta (zero) everywhere, but gamma still gets a gradient: sum of dy * x_hat.
        Tensor x = new Tensor(Shape.of(2, 3, 2, 2));
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) Math.cos(i);
        }
        assertThat(bn.forward(x).data()).containsOnly(0f);
        Tensor dy = x.copy();
        bn.backward(dy);
        assertThat(bn.weight().grad().data()).doesNotContain(0f);
    }
}
