package io.resnet4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import org.junit.jupiter.api.Test;

/**
 * A Sequential runs BN followed by ReLU as one fused kernel: bitwise the same outputs and gradients as the
 * modules called one by one; and with setInputGradient(false) the first convolution skips its input gradient
 * while every parameter gradient stays bitwise the same.
 */
class FusedSequenceTest {
    private static Sequential block() {
        Sequential s = new Sequential();
        s.add("conv1", new Conv2d(3, 5, 3, 1, 1, false)).add("bn1", new BatchNorm2d(5)).add("relu1", new ReLU());
        s.add("conv2", new Conv2d(5, 4, 3, 2, 1, false)).add("bn2", new BatchNorm2d(4)).add("relu2", new ReLU());
        s.initialize(11);
        // non-trivial BN parameters, so that the ReLU masks a real share of the values
        for (String name : new String[] {"bn1", "bn2"}) {
            BatchNorm2d bn = (BatchNorm2d) s.children().get(name);
            float[] g = bn.weight().value().data(), b = bn.bias().value().data();
            for (int i = 0; i < g.length; i++) {
                g[i] = 0.5f + 0.25f * i;
                b[i] = 0.3f * (i % 3) - 0.3f;
            }
        }
        return s;
    }

    /** The same modules called one at a time, unfused. */
    private static Tensor forwardOneByOne(Sequential s, Tensor x) {
        for (Module m : s.layers()) {
            x = m.forward(x);
        }
        return x;
    }

    private static Tensor backwardOneByOne(Sequential s, Tensor g) {
        for (int i = s.layers().size() - 1; i >= 0; i--) {
            g = s.layers().get(i).backward(g);
        }
        return g;
    }

    @Test
    void fusedBatchNormReluIsBitwiseTheModulesOneByOne() {
        Tensor x = Checks.randn(1, 3, 3, 9, 8);
        for (boolean training : new boolean[] {true, false}) {
            Sequential fused = block(), plain = block();
            fused.train(training);
            plain.train(training);
            Tensor yf = fused.forward(x), yp = forwardOneByOne(plain, x);
            Checks.assertBitwiseEqual(yp.data(), yf.data(), "output, training " + training);
            assertThat(yf.data()).contains(0f);
            if (!training) {
                continue;
            }
            Tensor dy = Checks.randn(2, yp.shape().dims());
            Checks.assertBitwiseEqual(backwardOneByOne(plain, dy).data(), fused.backward(dy).data(), "input gradient");
            for (String name : plain.namedParameters().keySet()) {
                Checks.assertBitwiseEqual(plain.namedParameters().get(name).grad().data(),
                        fused.namedParameters().get(name).grad().data(), name);
            }
        }
    }

    @Test
    void withoutInputGradientTheFirstConvolutionReturnsNullAndParameterGradientsAreUnchanged() {
        Tensor x = Checks.randn(3, 2, 3, 8, 8);
        Sequential with = block(), without = block();
        without.setInputGradient(false);
        assertThat(without.layers().get(0).inputGradient()).isFalse();
        Tensor dy = Checks.randn(4, with.forward(x).shape().dims());
        without.forward(x);
        assertThat(with.backward(dy)).isNotNull();
        assertThat(without.backward(dy)).isNull();
        for (String name : with.namedParameters().keySet()) {
            Checks.assertBitwiseEqual(with.namedParameters().get(name).grad().data(),
                    without.namedParameters().get(name).grad().data(), name);
        }
    }
}
