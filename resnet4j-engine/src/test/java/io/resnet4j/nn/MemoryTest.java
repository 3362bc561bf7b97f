package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared buffers of a network: the gradient pool's reuse rules, the scratch passes, depth-independent sizes. */
class MemoryTest {
    private static final Shape S = Shape.of(2, 3);

    @Test
    void aGradientIsNeverTheOneBeingReadNorAHeldOne() {
        Memory m = new Memory();
        Tensor a = m.gradient(S, null);
        Tensor b = m.gradient(S, a);
        assertThat(b).isNotSameAs(a);
        assertThat(m.gradient(S, b)).as("ping-pong").isSameAs(a);
        m.hold(a);
        Tensor c = m.gradient(S, b);
        assertThat(c).isNotSameAs(a).isNotSameAs(b);
        m.hold(a);
        m.release(a);
        assertThat(m.gradient(S, b)).as("held twice, released once").isSameAs(c);
        m.release(a);
        assertThat(m.gradient(S, b)).isSameAs(a);
        // A view holds the buffer it shares (Flatten's output gradient is a view of Linear's).
        m.hold(b.view(Shape.of(6)));
        assertThat(m.gradient(S, a)).isSameAs(c);
        assertThat(m.gradientBytes()).isEqualTo(3 * 6 * 4);
        // A tensor from elsewhere (the loss gradient) is not the pool's: holding it changes nothing.
        m.hold(new Tensor(S));
        assertThat(m.gradientBytes()).isEqualTo(3 * 6 * 4);
    }

    @Test
    void everySegmentPassRestartsAtTheFirstScratchBuffer() {
        Memory m = new Memory();
        m.beginSegment(false, new Identity());
        Tensor a = m.scratch(S), b = m.scratch(S);
        Tensor other = m.scratch(Shape.of(4));
        assertThatThrownBy(() -> m.beginSegment(false, new Identity())).hasMessageContaining("cannot nest");
        m.endSegment();
        assertThat(m.replaying()).isFalse();
        m.beginSegment(true, new Identity());
        assertThat(m.replaying()).isTrue();
        assertThat(m.scratch(Shape.of(4))).isSameAs(other);
        assertThat(m.scratch(S)).isSameAs(a);
        assertThat(m.scratch(S)).isSameAs(b);
        m.endSegment();
        assertThat(m.inSegment()).isFalse();
        assertThat(m.scratchBytes()).isEqualTo((2 * 6 + 4) * 4);
    }

    /** Units of two 3x3 convs with BN and ReLU, identity shortcuts; {@code recompute} makes each a segment. */
    private static Sequential units(int count, boolean recompute) {
        Sequential net = new Sequential();
        for (int i = 0; i < count; i++) {
            net.add(String.valueOf(i), ResidualBlockTest.basicBlock(4, 4, 1).setRecompute(recompute));
        }
        net.initialize(3);
        return net;
    }

    @Test
    void gradientsAndScratchTakeTheSameBuffersAtAnyDepth() {
        long tensor = 2 * 4 * 5 * 5 * 4;   // bytes of one (2, 4, 5, 5) activation
        for (boolean recompute : new boolean[] {false, true}) {
            Module.BufferUse[] use = new Module.BufferUse[2];
            for (int d = 0; d < 2; d++) {
                Sequential net = units(d == 0 ? 2 : 7, recompute);
                Tensor x = Checks.randn(1, 2, 4, 5, 5);
                for (int step = 0; step < 2; step++) {
                    Tensor y = net.forward(x);
                    net.backward(Checks.randn(2, y.shape().dims()));
                }
                use[d] = net.bufferUse();
            }
            // Ping-pong between two buffers, plus the gradient entering a unit, held while its branch runs.
            assertThat(use[1].gradientBytes()).isEqualTo(use[0].gradientBytes()).isEqualTo(3 * tensor);
            // Scratch of a recomputed unit: conv1, bn1 (with the fused ReLU), conv2, bn2.
            assertThat(use[1].scratchBytes()).isEqualTo(use[0].scratchBytes()).isEqualTo(recompute ? 4 * tensor : 0);
            // Kept per unit: its output, and without recomputation conv1, bn1 and conv2 too (bn1 and relu run
            // fused: the ReLU keeps bn1's rectified output, no buffer of its own; bn2 runs fused with the add and
            // the ReLU, writing the unit's output, no buffer of its own either).
            assertThat(use[1].outputBytes() - use[0].outputBytes()).isEqualTo(5 * (recompute ? 1 : 4) * tensor);
        }
    }

    @Test
    void aRecomputedSequenceIsBitwiseThePlainOneAndWorksInEvalMode() {
        Sequential plain = new Sequential(units(3, false)), segment = new Sequential(units(3, false)).setRecompute(true);
        Tensor x = Checks.randn(4, 2, 4, 5, 5);
        Tensor dy = Checks.randn(5, 2, 4, 5, 5);
        Checks.assertBitwiseEqual(plain.forward(x).data(), segment.forward(x).data(), "output");
        Checks.assertBitwiseEqual(plain.backward(dy).data(), segment.backward(dy).data(), "input gradient");
        for (String name : plain.namedParameters().keySet()) {
            Checks.assertBitwiseEqual(plain.namedParameters().get(name).grad().data(),
                    segment.namedParameters().get(name).grad().data(), name);
        }
        plain.train(false);
        segment.train(false);
        Checks.assertBitwiseEqual(plain.forward(x).data(), segment.forward(x).data(), "eval output");
        assertThatThrownBy(() -> segment.backward(dy)).hasMessageContaining("training-mode forward");
    }
}
