package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.testing.Checks;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Finite differences through whole compositions: Sequential, Identity, and a complete tiny ResNet. */
class SequentialTest {
    @Test
    void finiteDifferencesThroughATinyResNet() {
        // Every module kind in one chain: stem, max pool, an identity and an option-A block, pooling, head.
        Sequential net = new Sequential()
                .add("conv1", new Conv2d(3, 2, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(2))
                .add("relu", new ReLU())
                .add("maxpool", new MaxPool2d(3, 2, 1))
                .add("layer1", new Sequential(ResidualBlockTest.basicBlock(2, 2, 1)))
                .add("layer2", new Sequential(ResidualBlockTest.basicBlock(2, 4, 2)))
                .add("avgpool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("fc", new Linear(4, 3));
        net.initialize(141);
        ResidualBlockTest.randomizeBn(net, 142);
        assertThat(net.outputShape(Shape.of(2, 3, 8, 8))).isEqualTo(Shape.of(2, 3));
        GradCheck.Report r = GradCheck.module("tiny ResNet, train", net, Checks.randn(143, 2, 3, 8, 8), 144, GradCheck.Options.withKinks());
        assertThat(r.checked()).isGreaterThan(700);
    }

    @Test
    void finiteDifferencesThroughIdentityAndLinearChain() {
        Sequential chain = new Sequential(new Linear(5, 4), new Identity(), new Linear(4, 3));
        chain.initialize(151);
        GradCheck.module("Linear-Identity-Linear", chain, Checks.randn(152, 3, 5), 153, GradCheck.Options.strict());
    }
}
