package io.resnet4j.onnx;

import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The importer's own modules (the general Conv and pooling, Softmax, Slice, Pad, Transpose, Reshape) and the
 * broadcasting Add join: backward against central finite differences of L = sum(forward(x) * r), on odd
 * sizes. Float32 forward passes, so the tolerance is loose (2e-2 relative to the largest gradient).
 */
class OnnxOpsGradientTest {
    static final double H = 1e-2;

    static Tensor random(Shape s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = new Tensor(s);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    static double loss(Module m, Tensor x, Tensor r) {
        Tensor y = m.forward(x);
        double l = 0;
        for (int i = 0; i < y.numel(); i++) {
            l += (double) y.data()[i] * r.data()[i];
        }
        return l;
    }

    /** Checks dL/dx and dL/dp for every parameter p of m. */
    static void check(Module m, Shape in) {
        m.train(true);
        Tensor x = random(in, 1);
        Tensor r = random(m.outputShape(in), 2);
        m.zeroGrad();
        m.forward(x);
        float[] dx = m.backward(r).data().clone();
        compare(dx, x.data(), () -> loss(m, x, r), m + " input");
        for (var e : m.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            compare(p.grad().data().clone(), p.value().data(), () -> loss(m, x, r), m + " " + e.getKey());
        }
    }

    static void compare(float[] analytic, float[] values, java.util.function.DoubleSupplier loss, String what) {
        double scale = 1e-3;
        for (float a : analytic) {
            scale = Math.max(scale, Math.abs(a));
        }
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            values[i] = (float) (v + H);
            double plus = loss.getAsDouble();
            values[i] = (float) (v - H);
            double minus = loss.getAsDouble();
            values[i] = v;
            double numeric = (plus - minus) / (2 * H);
            assertThat(Math.abs(numeric - analytic[i])).as(what + " element " + i + ": analytic " + analytic[i] + ", numeric " + numeric)
                    .isLessThan(2e-2 * scale);
        }
    }

    @Test
    void generalConvolution() {
        ConvOp c = new ConvOp(3, 4, 3, 2, 2, 1, new int[] {1, 0, 2, 1}, true);
        c.initialize(3);
        for (int i = 0; i < c.bias().value().numel(); i++) {
            c.bias().value().data()[i] = 0.1f * i;
        }
        check(c, Shape.of(2, 3, 7, 5));
    }

    @Test
    void pooling() {
        check(new PoolOp(false, 3, 2, 2, 1, new int[] {1, 0, 1, 1}, false), Shape.of(2, 3, 7, 5));
        check(new PoolOp(false, 2, 3, 1, 2, new int[] {0, 1, 1, 2}, true), Shape.of(1, 2, 5, 7));
        check(new PoolOp(true, 3, 3, 2, 2, new int[] {1, 1, 1, 1}, false), Shape.of(1, 2, 7, 7));
    }

    @Test
    void softmax() {
        check(new SoftmaxOp(1, false), Shape.of(3, 5, 2));
        check(new SoftmaxOp(-1, false), Shape.of(3, 7));
        check(new SoftmaxOp(1, true), Shape.of(2, 3, 4));
    }

    @Test
    void dataMovement() {
        check(new IndexMapOp.Slice(new long[] {0, 1}, new long[] {Long.MAX_VALUE, -1}, new int[] {2, 3}, new long[] {2, 2}), Shape.of(2, 3, 7, 6));
        check(new IndexMapOp.Slice(new long[] {-1}, new long[] {Long.MIN_VALUE}, new int[] {1}, new long[] {-2}), Shape.of(2, 5, 3));
        check(new IndexMapOp.Pad(new long[] {0, 2, 1, 0, 0, 3, 0, 1}, 0.5f), Shape.of(2, 3, 4, 3));
        check(new IndexMapOp.Transpose(new int[] {0, 2, 3, 1}), Shape.of(2, 3, 4, 5));
        check(ReshapeOp.reshape(new long[] {0, -1, 2}), Shape.of(2, 3, 4));
        check(ReshapeOp.flatten(2), Shape.of(2, 3, 4, 5));
    }

    /** The option-A shortcut as PyTorch exports it, Slice then Pad, equals the engine's ShortcutA both ways. */
    @Test
    void sliceAndPadEqualTheEnginesOptionAShortcut() {
        io.resnet4j.nn.Sequential onnx = new io.resnet4j.nn.Sequential(
                new IndexMapOp.Slice(new long[] {0, 0}, new long[] {Long.MAX_VALUE, Long.MAX_VALUE}, new int[] {2, 3}, new long[] {2, 2}),
                new IndexMapOp.Pad(new long[] {0, 4, 0, 0, 0, 4, 0, 0}, 0f));
        io.resnet4j.nn.ShortcutA engine = new io.resnet4j.nn.ShortcutA(8, 16, 2);
        Tensor x = random(Shape.of(2, 8, 7, 7), 5);
        assertThat(onnx.forward(x).data()).containsExactly(engine.forward(x).data());
        Tensor g = random(Shape.of(2, 16, 4, 4), 6);
        assertThat(onnx.backward(g).data()).containsExactly(engine.backward(g).data());
    }

    @Test
    void broadcastingAddSumsGradientsOverStretchedDimensions() {
        Tensor bias = random(Shape.of(3, 1), 9);
        OnnxGraph.AddStep add = new OnnxGraph.AddStep("add", "Add", "add", new int[] {0, 1}, 2, bias);
        Tensor a = random(Shape.of(2, 3, 4), 10), b = random(Shape.of(4), 11);
        Tensor y = add.forward(new Tensor[] {a, b});
        assertThat(y.shape()).isEqualTo(Shape.of(2, 3, 4));
        assertThat(y.get(1, 2, 3)).isEqualTo(a.get(1, 2, 3) + b.get(3) + bias.get(2, 0), org.assertj.core.data.Offset.offset(1e-6f));
        Tensor g = random(Shape.of(2, 3, 4), 12);
        Tensor[] grads = add.backward(g);
        assertThat(grads[0]).isSameAs(g);
        for (int k = 0; k < 4; k++) {
            double s = 0;
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    s += g.get(i, j, k);
                }
            }
            assertThat((double) grads[1].get(k)).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5));
        }
    }
}
