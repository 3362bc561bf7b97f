package io.resnet4j.nn;

import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import io.resnet4j.testing.Fixture;
import io.resnet4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.TreeSet;

import static io.resnet4j.testing.Checks.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The composite: torchvision's BasicBlock (conv3x3-BN-ReLU-conv3x3-BN + shortcut, then ReLU) built from
 * {@link Sequential} and {@link Residual} with torchvision's names, against PyTorch (tools/reference/block.py)
 * with the identity and the option-A shortcut, in training and eval mode; and finite differences.
 */
class ResidualBlockTest {
    /*
     * Two float32 convolutions (sums of 36..72 products) and two batch norms in a row, compared with a float64
     * run: about 1e-6 relative on typical elements. Weight gradients sum n*p*q*... products over the batch,
     * the BN input gradient cancels three terms. 1e-4 leaves room for a float32 SIMD accumulation order; a
     * wrong index, a missing shortcut gradient or a swapped gamma/beta is off by O(1).
     */
    static final double RTOL = 1e-4, ATOL = 1e-4;
    static final double STATS_RTOL = 1e-6, STATS_ATOL = 1e-6;

    /** A BasicBlock; the shortcut is option A when the shape changes (stride or width), the identity otherwise. */
    static Residual basicBlock(int in, int planes, int stride) {
        Sequential branch = new Sequential()
                .add("conv1", new Conv2d(in, planes, 3, stride, 1, false))
                .add("bn1", new BatchNorm2d(planes))
                .add("relu", new ReLU())
                .add("conv2", new Conv2d(planes, planes, 3, 1, 1, false))
                .add("bn2", new BatchNorm2d(planes));
        Module shortcut = stride != 1 || in != planes ? new ShortcutA(in, planes, stride) : null;
        return new Residual(branch, shortcut, true);
    }

    static Residual blockFor(Fixture f) {
        int in = f.entry("x").dims()[1];
        int planes = f.entry("state.conv1.weight").dims()[0];
        int h = f.entry("x").dims()[2], p = f.entry("train.y").dims()[2];
        return basicBlock(in, planes, h == p ? 1 : 2);
    }

    /** Loads PyTorch's state_dict entries ("state.<key>") by name; every engine parameter and buffer must be covered. */
    static void loadState(Module m, Fixture f) {
        Map<String, Parameter> params = m.namedParameters();
        Map<String, Tensor> buffers = m.namedBuffers();
        Map<String, Module> modules = m.namedModules();
        TreeSet<String> loaded = new TreeSet<>();
        for (String entry : f.names()) {
            if (!entry.startsWith("state.")) {
                continue;
            }
            String key = entry.substring("state.".length());
            if (key.endsWith(".num_batches_tracked")) {
                Module bn = modules.get(key.substring(0, key.length() - ".num_batches_tracked".length()));
                assertThat(bn).as("module owning " + key).isInstanceOf(BatchNorm2d.class);
                ((BatchNorm2d) bn).setNumBatchesTracked((long) f.scalar(entry));
            } else if (params.containsKey(key)) {
                Checks.load(params.get(key).value(), f.tensor(entry), key);
            } else if (buffers.containsKey(key)) {
                Checks.load(buffers.get(key), f.tensor(entry), key);
            } else {
                throw new AssertionError("PyTorch's state_dict key " + key + " has no engine parameter or buffer; engine names: "
                        + params.keySet() + " " + buffers.keySet());
            }
            loaded.add(key);
        }
        TreeSet<String> engine = new TreeSet<>(params.keySet());
        engine.addAll(buffers.keySet());
        assertThat(loaded).as("state_dict keys loaded").containsAll(engine);
    }

    private static void assertParameterGradients(Module m, Fixture f, String prefix, String what) {
        TreeSet<String> expected = new TreeSet<>();
        for (String n : f.names()) {
            if (n.startsWith(prefix)) {
                expected.add(n.substring(prefix.length()));
            }
        }
        assertThat(new TreeSet<>(m.namedParameters().keySet())).as(what + " parameter names").isEqualTo(expected);
        for (Map.Entry<String, Parameter> p : m.namedParameters().entrySet()) {
            assertClose(p.getValue().grad(), f, prefix + p.getKey(), RTOL, ATOL, what + " grad " + p.getKey());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"identity_3x4x7x7", "optionA_2x4x7x7_to8_s2", "optionA_2x3x8x8_to6_s2"})
    void trainingModeMatchesPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "block/" + name + ".bin");
        Residual block = blockFor(f);
        loadState(block, f);
        block.train(true);
        assertClose(block.forward(f.tensor("x")), f, "train.y", RTOL, ATOL, name + " train y");
        assertClose(block.backward(f.tensor("train.dy")), f, "train.dx", RTOL, ATOL, name + " train dx");
        assertParameterGradients(block, f, "train.grad.", name + " train");
        for (Map.Entry<String, Tensor> b : block.namedBuffers().entrySet()) {
            assertClose(b.getValue(), f, "train.state." + b.getKey(), STATS_RTOL, STATS_ATOL, name + " " + b.getKey() + " after one step");
        }
        for (Map.Entry<String, Module> m : block.namedModules().entrySet()) {
            if (m.getValue() instanceof BatchNorm2d bn) {
                assertThat(bn.numBatchesTracked()).as(m.getKey() + ".num_batches_tracked")
                        .isEqualTo((long) f.scalar("train.state." + m.getKey() + ".num_batches_tracked"));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"identity_3x4x7x7", "optionA_2x4x7x7_to8_s2", "optionA_2x3x8x8_to6_s2"})
    void evalModeMatchesPyTorch(String name) {
        Fixture f = Fixture.load("resnet4j-engine", "block/" + name + ".bin");
        Residual block = blockFor(f);
        loadState(block, f);
        block.train(false);
        assertClose(block.forward(f.tensor("x")), f, "eval.y", RTOL, ATOL, name + " eval y");
        for (Map.Entry<String, Tensor> b : block.namedBuffers().entrySet()) {
            assertClose(b.getValue(), f, "state." + b.getKey(), 0, 0, name + " " + b.getKey() + " unchanged in eval mode");
        }
        // Inference keeps no activations, so backward after an eval-mode forward is refused with a clear error.
        assertThatThrownBy(() -> block.backward(f.tensor("eval.dy"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("training-mode forward");

        // PyTorch's eval-mode backward is what a frozen-BN fine-tune computes: BN uses its running statistics,
        // the other layers keep their activations.
        block.train(true);
        for (Module m : block.modules()) {
            if (m instanceof BatchNorm2d) {
                m.train(false);
            }
        }
        assertClose(block.forward(f.tensor("x")), f, "eval.y", RTOL, ATOL, name + " frozen-BN y");
        assertClose(block.backward(f.tensor("eval.dy")), f, "eval.dx", RTOL, ATOL, name + " frozen-BN dx");
        assertParameterGradients(block, f, "eval.grad.", name + " frozen-BN");
    }

    @Test
    void torchvisionNames() {
        assertThat(basicBlock(4, 8, 2).namedParameters().keySet()).containsExactly(
                "conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias");
        assertThat(basicBlock(4, 8, 2).namedModules()).containsKey("downsample");
        assertThat(basicBlock(4, 4, 1).namedModules()).doesNotContainKey("downsample");
    }

    static void randomizeBn(Module m, long seed) {
        for (Module c : m.modules()) {
            if (c instanceof BatchNorm2d bn) {
                int n = bn.channels();
                Tensor g = Checks.randn(seed++, n);
                for (int j = 0; j < n; j++) {
                    g.data()[j] = 1f + 0.3f * g.data()[j];
                }
                bn.weight().value().copyFrom(g);
                // beta around +0.5: about a third of the ReLU inputs stay negative, fewer sit next to the kink.
                Tensor b = Checks.randn(seed++, n);
                for (int j = 0; j < n; j++) {
                    b.data()[j] = 0.5f + 0.3f * b.data()[j];
                }
                bn.bias().value().copyFrom(b);
                Tensor v = Checks.randn(seed++, n);
                for (int j = 0; j < n; j++) {
                    v.data()[j] = 1f + 0.5f * Math.abs(v.data()[j]);
                }
                bn.runningVar().copyFrom(v);
                bn.runningMean().copyFrom(Checks.randn(seed++, n));
            }
        }
    }

    @Test
    void finiteDifferencesTrainingMode() {
        Residual identity = basicBlock(3, 3, 1);
        identity.initialize(111);
        randomizeBn(identity, 112);
        GradCheck.module("BasicBlock identity, train", identity, Checks.randn(113, 2, 3, 5, 5), 114, GradCheck.Options.withKinks());
        Residual optionA = basicBlock(2, 4, 2);
        optionA.initialize(115);
        randomizeBn(optionA, 116);
        GradCheck.module("BasicBlock option A, train", optionA, Checks.randn(117, 2, 2, 5, 5), 118, GradCheck.Options.withKinks());
    }

    @Test
    void finiteDifferencesFrozenBn() {
        Residual optionA = basicBlock(2, 4, 2);
        optionA.initialize(121);
        randomizeBn(optionA, 122);
        for (Module m : optionA.modules()) {
            if (m instanceof BatchNorm2d) {
                m.train(false);
            }
        }
        GradCheck.module("BasicBlock option A, BN eval", optionA, Checks.randn(123, 2, 2, 5, 5), 124, GradCheck.Options.withKinks());
    }

    /**
     * The branch's last batch norm fused with the add and the ReLU (BatchNorm2d.forwardAddRelu) against the same
     * unit with that fusion off (setFuseRelu(false) on it): bitwise the same output, input gradient, parameter
     * gradients and running statistics over two steps without updates, in training mode (eval mode: the output), with the
     * identity, option-A and projection (1x1 conv + BN) shortcuts; and the fused batch norm stores no output.
     */
    @Test
    void addFusedIntoTheLastBatchNormIsBitwiseTheUnfusedUnit() {
        for (String kind : new String[] {"identity", "option A", "projection"}) {
            Residual[] units = new Residual[2];
            for (int u = 0; u < 2; u++) {
                Residual unit = kind.equals("identity") ? basicBlock(3, 3, 1) : basicBlock(3, 6, 2);
                if (kind.equals("projection")) {
                    Sequential down = new Sequential(new Conv2d(3, 6, 1, 2, 0, false), new BatchNorm2d(6));
                    unit = new Residual(unit.branch(), down, true);
                }
                unit.initialize(141);
                randomizeBn(unit, 142);
                units[u] = unit;
            }
            BatchNorm2d last = (BatchNorm2d) ((Sequential) units[1].branch()).last();
            last.setFuseRelu(false);
            long outBytes = 0;
            for (boolean training : new boolean[] {true, false}) {
                for (int step = 0; step < 2; step++) {
                    String at = kind + (training ? ", training" : ", eval") + ", step " + step;
                    Tensor x = Checks.randn(143 + step, 2, 3, 6, 6);
                    Tensor[] out = new Tensor[2], dx = new Tensor[2];
                    for (int u = 0; u < 2; u++) {
                        units[u].train(training);
                        units[u].zeroGrad();
                        out[u] = units[u].forward(x);
                        if (training) {
                            dx[u] = units[u].backward(Checks.randn(145 + step, out[u].shape().dims()));
                        }
                    }
                    Checks.assertBitwiseEqual(out[0].data(), out[1].data(), at + ": output");
                    outBytes = 4L * out[0].numel();
                    if (training) {
                        Checks.assertBitwiseEqual(dx[0].data(), dx[1].data(), at + ": input gradient");
                        Map<String, Parameter> fused = units[0].namedParameters(), plain = units[1].namedParameters();
                        for (String name : fused.keySet()) {
                            Checks.assertBitwiseEqual(fused.get(name).grad().data(), plain.get(name).grad().data(),
                                    at + ": gradient of " + name);
                        }
                    }
                    Map<String, Tensor> fusedBuffers = units[0].namedBuffers(), plainBuffers = units[1].namedBuffers();
                    for (String name : fusedBuffers.keySet()) {
                        Checks.assertBitwiseEqual(fusedBuffers.get(name).data(), plainBuffers.get(name).data(),
                                at + ": buffer " + name);
                    }
                }
            }
            BatchNorm2d fusedLast = (BatchNorm2d) ((Sequential) units[0].branch()).last();
            assertThatThrownBy(fusedLast::lastOutput).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("setFuseRelu(false)");
            assertThat(units[0].bufferUse().outputBytes()).as(kind + ": no output buffer of the fused batch norm")
                    .isEqualTo(units[1].bufferUse().outputBytes() - outBytes);
        }
    }

    @Test
    void finiteDifferencesWithoutPostActivation() {
        // A pre-activation-style unit: no ReLU after the add, a projection-free identity shortcut.
        Residual unit = new Residual(new Sequential().add("conv1", new Conv2d(3, 3, 3, 1, 1, true)), null, false);
        unit.initialize(131);
        GradCheck.module("Residual without ReLU", unit, Checks.randn(132, 2, 3, 4, 4), 133, GradCheck.Options.strict());
    }
}
