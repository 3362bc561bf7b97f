package io.resnet4j.models;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.FusedConv2d;
import io.resnet4j.nn.Inference;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Frozen copies (Inference.freeze) of registry models at sizes that take every convolution path of the vector
 * kernels (Winograd from 16 channels, 1x1 as one GEMM, strided, the 7x7 stem): the same logits as the eval-mode
 * network within 1e-4 of the largest logit, at batch 1 and 3. WholeNetworkParityTest checks frozen logits
 * against PyTorch on its four fixture nets.
 *
 * <p>A frozen network pools its module outputs (a buffer is reused once the modules after have read it): its
 * logits are bitwise those of a second frozen copy that keeps one output buffer per module (registered inside
 * another module, it shares that module's unpooled memory), and its activations take the same few buffers
 * per shape whatever the depth.
 */
class FrozenModelsTest {
    private static void check(String model, Shape input) {
        Sequential net = ModelRegistry.build(model, 1);
        SplittableRandom rng = new SplittableRandom(2);
        for (Module m : net.modules()) {
            if (m instanceof BatchNorm2d bn) {
                for (int i = 0; i < bn.channels(); i++) {
                    bn.weight().value().data()[i] = (float) (0.5 + rng.nextDouble());
                    bn.bias().value().data()[i] = (float) (rng.nextDouble() - 0.5) * 0.2f;
                    bn.runningMean().data()[i] = (float) (rng.nextDouble() - 0.5) * 0.2f;
                    bn.runningVar().data()[i] = (float) (0.5 + rng.nextDouble());
                }
            }
        }
        net.train(false);
        Module frozen = Inference.freeze(net);
        Sequential unpooled = new Sequential(Inference.freeze(net));
        assertThat(frozen.modules().stream().filter(m -> m instanceof FusedConv2d).count()).as(model)
                .isEqualTo(net.modules().stream().filter(m -> m instanceof Conv2d).count());
        for (int batch : new int[] {1, 3}) {
            Tensor x = new Tensor(Shape.of(batch, input.c(), input.h(), input.w()));
            for (int i = 0; i < x.data().length; i++) {
                x.data()[i] = (float) (rng.nextDouble() * 2 - 1);
            }
            float[] expected = net.forward(x).data().clone();
            float[] actual = frozen.forward(x).data();
            double scale = 0, worst = 0;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
                worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            }
            assertThat(scale).as(model + " logits are not all zero").isGreaterThan(0);
            assertThat(worst).as(model + " batch " + batch + ": largest difference").isLessThanOrEqualTo(1e-4 * scale);
            assertThat(unpooled.forward(x).data()).as(model + " batch " + batch + ": pooled outputs").isEqualTo(actual);
        }
    }

    /** Activation bytes of a frozen model after a forward at batch 2: pooled, or one buffer per module. */
    private static long[] activationBytes(String model) {
        Sequential net = ModelRegistry.build(model, 1);
        net.train(false);
        Module pooled = Inference.freeze(net);
        Sequential unpooled = new Sequential(Inference.freeze(net));
        Tensor x = new Tensor(Shape.of(2, 3, 32, 32));
        pooled.forward(x);
        unpooled.forward(x);
        return new long[] {pooled.bufferUse().outputBytes(), unpooled.bufferUse().outputBytes()};
    }

    @Test
    void pooledActivationsDoNotGrowWithDepth() {
        long[] shallow = activationBytes("resnet20"), deep = activationBytes("resnet110");
        assertThat(deep[0]).as("pooled bytes, resnet110 against resnet20").isEqualTo(shallow[0]);
        assertThat(deep[1]).as("one buffer per module, resnet110 against resnet20").isGreaterThan(4 * shallow[1]);
        assertThat(shallow[0]).as("pooled against one buffer per module, resnet20").isPositive().isLessThan(shallow[1] / 3);
    }

    @Test
    void resnet50() {
        check("resnet50", Shape.of(1, 3, 64, 64));
    }

    @Test
    void cifarResNetAndItsPlainTwin() {
        check("resnet20", Shape.of(1, 3, 32, 32));
        check("plain20", Shape.of(1, 3, 32, 32));
    }

    @Test
    void wideAndPreActivation() {
        check("wrn-16-4", Shape.of(1, 3, 32, 32));
        check("preact-resnet164", Shape.of(1, 3, 32, 32));
    }
}
