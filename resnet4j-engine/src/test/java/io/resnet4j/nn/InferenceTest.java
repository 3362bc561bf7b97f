package io.resnet4j.nn;

import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Inference.freeze: a frozen copy computes the original's eval outputs (up to the rounding of the folded
 * weights), with conv + BN (+ ReLU) fused, shares no state with the original, and refuses training.
 */
class InferenceTest {
    /** A small ResNet: stem, a projection unit (bottleneck-like), an identity unit with an option-A-free add, head. */
    static Sequential net() {
        Sequential branch1 = new Sequential();
        branch1.add("conv1", new Conv2d(8, 6, 1, 1, 0, false)).add("bn1", new BatchNorm2d(6)).add("relu", new ReLU())
                .add("conv2", new Conv2d(6, 6, 3, 2, 1, false)).add("bn2", new BatchNorm2d(6)).add("relu2", new ReLU())
                .add("conv3", new Conv2d(6, 12, 1, 1, 0, false)).add("bn3", new BatchNorm2d(12));
        Sequential down = new Sequential(new Conv2d(8, 12, 1, 2, 0, false), new BatchNorm2d(12));
        Sequential branch2 = new Sequential();
        branch2.add("conv1", new Conv2d(12, 12, 3, 1, 1, false)).add("bn1", new BatchNorm2d(12)).add("relu", new ReLU())
                .add("conv2", new Conv2d(12, 12, 3, 1, 1, true)).add("bn2", new BatchNorm2d(12));
        Sequential layer1 = new Sequential(new Residual(branch1, down, true), new Residual(branch2, null, true));
        Sequential s = new Sequential();
        s.add("conv1", new Conv2d(3, 8, 5, 2, 2, false)).add("bn1", new BatchNorm2d(8)).add("relu", new ReLU())
                .add("maxpool", new MaxPool2d(3, 2, 1)).add("layer1", layer1)
                .add("avgpool", new GlobalAvgPool()).add("flatten", new Flatten()).add("fc", new Linear(12, 5));
        s.initialize(3);
        randomizeNorms(s, 4);
        return s;
    }

    /** Batch norms with running statistics and affine parameters far from the identity. */
    static void randomizeNorms(Module m, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Module x : m.modules()) {
            if (x instanceof BatchNorm2d bn) {
                for (int i = 0; i < bn.channels(); i++) {
                    bn.weight().value().data()[i] = (float) (0.5 + rng.nextDouble());
                    bn.bias().value().data()[i] = (float) (rng.nextDouble() - 0.5);
                    bn.runningMean().data()[i] = (float) (rng.nextDouble() - 0.5);
                    bn.runningVar().data()[i] = (float) (0.2 + rng.nextDouble());
                }
            }
            if (x instanceof Conv2d c && c.bias() != null) {
                for (int i = 0; i < c.outChannels(); i++) {
                    c.bias().value().data()[i] = (float) (rng.nextDouble() - 0.5);
                }
            }
        }
    }

    static void assertSameOutputs(Module original, Module frozen, Tensor x, double tol) {
        original.train(false);
        float[] expected = original.forward(x).data().clone();
        float[] actual = frozen.forward(x).data();
        assertThat(actual).hasSameSizeAs(expected);
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("output %d of %s", i, x.shape()).isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(tol * scale + 1e-6));
        }
    }

    @Test
    void computesTheEvalOutputsWithEveryConvFused() {
        Sequential net = net();
        Module frozen = Inference.freeze(net);
        long fused = frozen.modules().stream().filter(m -> m instanceof FusedConv2d).count();
        assertThat(fused).isEqualTo(7);
        assertThat(frozen.modules().stream().filter(m -> m instanceof BatchNorm2d || m instanceof Conv2d)).isEmpty();
        // the ReLU after the stem and inside the branches is fused; the last conv of a branch leaves it to the add
        Sequential f = (Sequential) frozen;
        assertThat(f.children().keySet()).containsExactly("conv1", "maxpool", "layer1", "avgpool", "flatten", "fc");
        assertThat(((FusedConv2d) f.children().get("conv1")).relu()).isTrue();
        assertThat(f.children().get("fc")).isInstanceOf(FusedLinear.class);
        Residual unit = (Residual) ((Sequential) f.children().get("layer1")).layers().get(0);
        assertThat(unit.branch().children().keySet()).containsExactly("conv1", "conv2", "conv3");
        assertThat(((FusedConv2d) unit.branch().children().get("conv3")).relu()).isFalse();
        assertThat(unit.reluAfterAdd()).isTrue();

        // two input sizes and batch sizes: the prepared weights follow the geometry
        for (Tensor x : List.of(Checks.randn(7, 2, 3, 32, 32), Checks.randn(8, 1, 3, 20, 24), Checks.randn(9, 3, 3, 32, 32))) {
            assertSameOutputs(net, frozen, x, 2e-5);
        }
    }

    /**
     * Pooled outputs: a frozen network whose output has its input's shape, fed its own last output, which lives in
     * one of its pooled buffers. Each module must leave its input alone and a residual unit its input until the
     * add has read it: the results are bitwise those of a frozen copy with one output buffer per module (inside
     * another module its memory is unpooled) fed copies.
     */
    @Test
    void pooledOutputsNeverOverwriteAnInputStillToBeRead() {
        Sequential branch = new Sequential();
        branch.add("conv1", new Conv2d(4, 4, 3, 1, 1, false)).add("bn1", new BatchNorm2d(4)).add("relu", new ReLU())
                .add("conv2", new Conv2d(4, 4, 3, 1, 1, false)).add("bn2", new BatchNorm2d(4));
        Sequential net = new Sequential(new Residual(branch, null, true), new BatchNorm2d(4), new ReLU());
        net.initialize(5);
        randomizeNorms(net, 6);
        net.train(false);
        Module pooled = Inference.freeze(net);
        Sequential unpooled = new Sequential(Inference.freeze(net));
        Tensor x = Checks.randn(10, 2, 4, 9, 9);
        Tensor expected = x;
        Tensor actual = x;
        for (int call = 0; call < 4; call++) {
            Tensor copy = new Tensor(expected.shape());
            copy.copyFrom(expected);
            expected = unpooled.forward(copy);
            actual = pooled.forward(actual);
            assertThat(actual.data()).as("call %d", call).isEqualTo(expected.data());
        }
        long bytes = pooled.bufferUse().outputBytes();
        assertThat(bytes).as("bytes of pooled outputs").isPositive().isLessThan(unpooled.bufferUse().outputBytes());
        // A refused input (wrong channel count) is an IllegalArgumentException; the next calls take the same buffers.
        assertThatThrownBy(() -> pooled.forward(Checks.randn(11, 2, 3, 9, 9))).isInstanceOf(IllegalArgumentException.class);
        for (int call = 0; call < 2; call++) {
            actual = pooled.forward(actual);
        }
        assertThat(pooled.bufferUse().outputBytes()).as("bytes after a refused input").isEqualTo(bytes);
    }

    /**
     * A frozen residual unit runs its branch's last convolution onto the shortcut's result (ConvOps.forwardAdd),
     * post-activation and pre-activation (no ReLU after the add, a last convolution without bias): outputs within
     * rounding of the original's, the caller's input left as it was, and a unit whose input comes from the pool
     * (only it reads it) writing over that input, so a chain of identity units takes two buffers of its shape.
     */
    @Test
    void residualUnitsAddTheirLastConvolutionOntoTheShortcut() {
        Sequential post = new Sequential();
        post.add("conv1", new Conv2d(6, 6, 3, 1, 1, false)).add("bn1", new BatchNorm2d(6)).add("relu", new ReLU())
                .add("conv2", new Conv2d(6, 6, 3, 1, 1, false)).add("bn2", new BatchNorm2d(6));
        Sequential pre = new Sequential();
        pre.add("bn1", new BatchNorm2d(6)).add("relu1", new ReLU()).add("conv1", new Conv2d(6, 6, 3, 1, 1, false))
                .add("bn2", new BatchNorm2d(6)).add("relu2", new ReLU()).add("conv2", new Conv2d(6, 6, 3, 1, 1, false));
        Sequential post2 = new Sequential();
        post2.add("conv1", new Conv2d(6, 6, 1, 1, 0, false)).add("bn1", new BatchNorm2d(6))
                .add("relu", new ReLU()).add("conv2", new Conv2d(6, 6, 3, 1, 1, false)).add("bn2", new BatchNorm2d(6));
        Sequential net = new Sequential(new Residual(post, null, true), new Residual(pre, null, false),
                new Residual(post2, null, true));
        net.initialize(11);
        randomizeNorms(net, 12);
        Module frozen = Inference.freeze(net);
        Tensor x = Checks.randn(13, 2, 6, 10, 10);
        float[] before = x.data().clone();
        assertSameOutputs(net, frozen, x, 2e-5);
        assertThat(x.data()).as("the caller's input").isEqualTo(before);
        // per call: the first unit copies x into buffer B and adds onto it from its branch's A; the others write
        // over B in place, their branches in A and C (the pre-activation unit's batch norm, ReLU, conv: A, C, A)
        long bytes = 4L * x.numel();
        assertThat(frozen.bufferUse().outputBytes()).as("activation buffers").isEqualTo(3 * bytes);
    }

    /**
     * Inputs alternating between two sizes reuse both prepared forms; a third size evicts the older one. Each call's
     * output is bitwise that of a fresh FusedConv2d at its size.
     */
    @Test
    void fusedConvKeepsTheFormsOfTwoInputSizes() {
        Tensor w = Checks.randn(3, 16, 8, 3, 3), b = Checks.randn(4, 16);
        FusedConv2d f = new FusedConv2d(8, 16, 3, 1, 1, w, b, true);
        java.util.Map<Integer, io.resnet4j.kernels.PreparedConv> forms = new java.util.HashMap<>();
        int[] sizes = {16, 20, 16, 20, 24, 16};
        for (int i = 0; i < sizes.length; i++) {
            Tensor x = Checks.randn(10 + i, 2, 8, sizes[i], sizes[i]);
            float[] expected = new FusedConv2d(8, 16, 3, 1, 1, w, b, true).forward(x).data().clone();
            assertThat(f.forward(x).data()).as("call %d at %d", i, sizes[i]).isEqualTo(expected);
            io.resnet4j.kernels.PreparedConv form = f.prepared();
            if (i == 2 || i == 3) {
                assertThat(form).as("call %d at %d: reused", i, sizes[i]).isSameAs(forms.get(sizes[i]));
            } else if (i == 5) {
                assertThat(form).as("16 after 20 and 24: prepared again").isNotSameAs(forms.get(16));
            }
            forms.put(sizes[i], form);
        }
    }

    /** FusedLinear gives Linear's outputs bitwise: by the GEMV up to 4 rows, by the prepared 1x1 convolution above. */
    @Test
    void fusedLinearIsLinearBitwiseAtAnyBatch() {
        Linear l = new Linear(67, 37);
        l.initialize(5);
        l.train(false);
        FusedLinear f = new FusedLinear(67, 37, l.weight().value(), l.bias().value());
        long gemvOnly = 0;
        for (int n : new int[] {1, 3, 4, 5, 9, 1}) {
            Tensor x = Checks.randn(20 + n, n, 67);
            float[] expected = l.forward(x).data().clone();
            assertThat(f.forward(x).data()).as("batch %d", n).isEqualTo(expected);
            if (n == 4) {
                gemvOnly = f.preparedBytes();
            }
        }
        assertThat(gemvOnly).as("the GEMV's packed weights").isGreaterThanOrEqualTo(4L * 67 * 37);
        assertThat(f.preparedBytes()).as("and the convolution's, prepared by the first batch above 4").isGreaterThan(gemvOnly);
    }

    @Test
    void isASnapshotAndInferenceOnly() {
        Sequential net = net();
        Module frozen = Inference.freeze(net);
        Tensor x = Checks.randn(5, 2, 3, 16, 16);
        float[] before = frozen.forward(x).data().clone();
        net.initialize(99);
        randomizeNorms(net, 100);
        assertThat(frozen.forward(x).data()).isEqualTo(before);
        assertThat(frozen.isTraining()).isFalse();
        assertThatThrownBy(() -> frozen.train(true)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("inference-only");
        FusedConv2d stem = (FusedConv2d) frozen.children().get("conv1");
        assertThatThrownBy(() -> stem.backward(Checks.randn(1, 2, 8, 8, 8))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("inference-only");
        MaxPool2d pool = (MaxPool2d) frozen.children().get("maxpool");
        assertThatThrownBy(() -> pool.backward(Checks.randn(1, 2, 8, 8, 8))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("inference-only");
        assertThat(frozen.parameters()).as("a frozen model has nothing to train").isEmpty();
        FusedLinear fc = (FusedLinear) frozen.children().get("fc");
        assertThatThrownBy(() -> fc.backward(Checks.randn(1, 2, 5))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("inference-only");
    }

    @Test
    void foldsABatchNormIntoTheConvolutionExactlyInDouble() {
        Conv2d conv = new Conv2d(2, 3, 1, 1, 0, true);
        conv.initialize(1);
        BatchNorm2d bn = new BatchNorm2d(3, 1e-5f, 0.1f);
        Sequential s = new Sequential();
        s.add("conv", conv).add("bn", bn);
        randomizeNorms(s, 2);
        FusedConv2d fused = Inference.fuse(conv, bn, false);
        for (int o = 0; o < 3; o++) {
            double scale = bn.weight().value().data()[o] / Math.sqrt(bn.runningVar().data()[o] + (double) 1e-5f);
            for (int ch = 0; ch < 2; ch++) {
                assertThat(fused.weight().data()[o * 2 + ch]).isEqualTo((float) (conv.weight().value().data()[o * 2 + ch] * scale));
            }
            double shift = ((double) conv.bias().value().data()[o] - bn.runningMean().data()[o]) * scale + bn.bias().value().data()[o];
            assertThat(fused.bias().data()[o]).isEqualTo((float) shift);
        }
    }

    @Test
    void refusesModulesItDoesNotKnow() {
        Module custom = new Module() {
            @Override
            public Tensor forward(Tensor x) {
                return x;
            }

            @Override
            public Tensor backward(Tensor g) {
                return g;
            }

            @Override
            public Shape outputShape(Shape s) {
                return s;
            }
        };
        Sequential s = new Sequential();
        s.add("stem", new ReLU()).add("custom", custom);
        assertThatThrownBy(() -> Inference.freeze(s)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("custom");
    }
}
