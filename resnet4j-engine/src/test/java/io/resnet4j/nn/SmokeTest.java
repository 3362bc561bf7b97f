package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @Test
    void smallNetworkRunsForwardAndBackwardWithTorchvisionNames() {
        Sequential branch = new Sequential()
                .add("conv1", new Conv2d(4, 4, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(4))
                .add("relu", new ReLU())
                .add("conv2", new Conv2d(4, 4, 3, 1, 1, false))
                .add("bn2", new BatchNorm2d(4));
        Sequential net = new Sequential()
                .add("conv1", new Conv2d(3, 4, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(4))
                .add("relu", new ReLU())
                .add("layer1", new Sequential(new Residual(branch, null, true)))
                .add("avgpool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("fc", new Linear(4, 3));
        net.initialize(1);
        assertThat(net.namedParameters().keySet()).containsExactly(
                "conv1.weight", "bn1.weight", "bn1.bias",
                "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
                "layer1.0.conv2.weight", "layer1.0.bn2.weight", "layer1.0.bn2.bias",
                "fc.weight", "fc.bias");
        assertThat(net.parameterCount()).isEqualTo(3 * 4 * 9 + 8 + 2 * (4 * 4 * 9 + 8) + 4 * 3 + 3);

        Tensor x = new Tensor(Shape.of(2, 3, 5, 5));
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) Math.sin(i);
        }
        Tensor logits = net.forward(x);
        assertThat(logits.shape()).isEqualTo(Shape.of(2, 3));
        CrossEntropyLoss loss = new CrossEntropyLoss();
        double l = loss.forward(logits, new int[] {0, 2});
        assertThat(l).isBetween(0.0, 10.0);
        Tensor dx = net.backward(loss.backward());
        assertThat(dx.shape()).isEqualTo(x.shape());
        assertThat(net.namedParameters().get("conv1.weight").grad().data()).isNotEqualTo(new float[3 * 4 * 9]);
    }
}
