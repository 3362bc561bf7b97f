package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchNorm2dLastOutputTest {
    @Test
    void lastOutputIsTheNormalisedValueBeforeTheFollowingReluInBothModes() {
        BatchNorm2d bn = new BatchNorm2d(2);
        assertThat(bn.lastOutput()).isNull();
        bn.bias().value().fill(-0.5f);           // shifts half the values below zero: a ReLU after it would change them
        Sequential net = new Sequential(bn, new ReLU());
        Tensor x = new Tensor(Shape.of(2, 2, 3, 3));
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) Math.sin(0.7 * i) * 3;
        }
        // By default the Sequential runs BN+ReLU fused: the batch norm's buffer is rectified, and lastOutput says so.
        net.train(false);
        net.forward(x);
        assertThatThrownBy(bn::lastOutput).isInstanceOf(IllegalStateException.class).hasMessageContaining("setFuseRelu(false)");
        bn.setFuseRelu(false);
        for (boolean training : new boolean[] {true, false}) {
            net.train(training);
            Tensor y = net.forward(x);
            Tensor expected = new BatchNorm2dTwin(bn).forward(x);
            assertThat(bn.lastOutput().data()).containsExactly(expected.data());
            assertThat(min(bn.lastOutput().data())).isNegative();
            assertThat(min(y.data())).isGreaterThanOrEqualTo(0f);
        }
    }

    @Test
    void lastOutputIsTheModulesOwnBufferAndAllocatesNothing() {
        BatchNorm2d bn = new BatchNorm2d(3);
        Tensor x = new Tensor(Shape.of(2, 3, 2, 2));
        x.data()[5] = 1;
        Tensor y = bn.forward(x);
        assertThat(bn.lastOutput()).isSameAs(y);
        assertThat(bn.forward(x)).isSameAs(bn.lastOutput());
    }

    private static float min(float[] a) {
        float m = Float.POSITIVE_INFINITY;
        for (float v : a) {
            m = Math.min(m, v);
        }
        return m;
    }

    /** A second BN with the same parameters and statistics, whose forward gives the expected values. */
    private static final class BatchNorm2dTwin {
        private final BatchNorm2d twin;

        BatchNorm2dTwin(BatchNorm2d bn) {
            twin = new BatchNorm2d(bn.channels(), bn.eps(), bn.momentum());
            twin.weight().value().copyFrom(bn.weight().value());
            twin.bias().value().copyFrom(bn.bias().value());
            twin.train(bn.isTraining());
            if (!bn.isTraining()) {
                twin.runningMean().copyFrom(bn.runningMean());
                twin.runningVar().copyFrom(bn.runningVar());
            }
        }

        Tensor forward(Tensor x) {
            return twin.forward(x);
        }
    }
}
