package io.resnet4j.models;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.models.ResNet.Recompute;
import io.resnet4j.models.ResNetSpec.Block;
import io.resnet4j.models.ResNetSpec.Shortcut;
import io.resnet4j.models.ResNetSpec.Stem;
import io.resnet4j.models.ResNetSpec.StridePlacement;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.CrossEntropyLoss;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.nn.Sequential;
import io.resnet4j.optim.Sgd;
import io.resnet4j.optim.SgdConfig;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Checks;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Recomputation (gradient checkpointing) per unit or per stage changes where activations live, not what is
 * computed: over three SGD steps the logits, loss, input gradient, every parameter gradient, every running
 * statistic and num_batches_tracked are bitwise those of the plain network, on one thread and on two.
 */
class RecomputeTest {
    private static final int STEPS = 3;

    /** CIFAR ResNet-14 (option A: identity and zero-padding shortcuts), the original unit with a ReLU after the add. */
    private static ResNetSpec cifarOptionA() {
        return ResNetSpec.cifarResNet(14);
    }

    /** Original bottleneck units with projection shortcuts (1x1 conv + BN), two stages of two. */
    private static ResNetSpec bottleneck() {
        return new ResNetSpec(Block.BOTTLENECK, List.of(2, 2), List.of(4, 8), Stem.CIFAR, StridePlacement.V1_5,
                Shortcut.B, false, 1, false, true, 3, 10);
    }

    /** Pre-activation bottlenecks: units whose BN-ReLU comes before the split are Sequentials, not Residuals. */
    private static ResNetSpec preActivationBottleneck() {
        return new ResNetSpec(Block.BOTTLENECK, List.of(2, 2), List.of(4, 8), Stem.CIFAR, StridePlacement.V1_5,
                Shortcut.B, true, 1, false, true, 3, 10);
    }

    @Test
    void cifarOptionAIsBitwiseEqualWithRecomputation() {
        assertRecomputationChangesNothing(cifarOptionA());
    }

    @Test
    void bottleneckIsBitwiseEqualWithRecomputation() {
        assertRecomputationChangesNothing(bottleneck());
    }

    @Test
    void preActivationAndPlainNetsAreBitwiseEqualWithRecomputation() {
        assertRecomputationChangesNothing(preActivationBottleneck());
        assertRecomputationChangesNothing(cifarOptionA().plain());
    }

    private static void assertRecomputationChangesNothing(ResNetSpec spec) {
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                Run plain = train(spec, Recompute.NONE);
                for (Recompute mode : new Recompute[] {Recompute.BLOCK, Recompute.STAGE}) {
                    Run recomputed = train(spec, mode);
                    assertThat(recomputed.names).isEqualTo(plain.names);
                    for (int i = 0; i < plain.values.size(); i++) {
                        Checks.assertBitwiseEqual(plain.values.get(i), recomputed.values.get(i), plain.names.get(i) + ", "
                                + mode + " vs NONE, " + threads + " thread(s), " + spec.block() + " (" + Kernels.describe() + ")");
                    }
                    assertThat(recomputed.batchesTracked).as("num_batches_tracked, " + mode).isEqualTo(plain.batchesTracked);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** Everything that three SGD steps compute, copied out of the buffers, under names. */
    private record Run(List<String> names, List<float[]> values, List<Long> batchesTracked) {
    }

    private static Run train(ResNetSpec spec, Recompute mode) {
        Sequential net = ResNet.build(spec, 11, mode);
        Sgd sgd = new Sgd(net.namedParameters(), SgdConfig.paper());
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Run run = new Run(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int step = 0; step < STEPS; step++) {
            // Batch 3, 9x9: odd sizes, so that vector tails and uneven task splits are exercised.
            Tensor x = Checks.randn(40 + step, 3, 3, 9, 9);
            int[] labels = {step, 7, 3};
            net.zeroGrad();
            Tensor logits = net.forward(x);
            add(run, "logits " + step, logits.data());
            add(run, "loss " + step, new float[] {(float) loss.forward(logits, labels)});
            add(run, "input gradient " + step, net.backward(loss.backward()).data());
            for (Map.Entry<String, Parameter> p : net.namedParameters().entrySet()) {
                add(run, p.getKey() + ".grad " + step, p.getValue().grad().data());
            }
            sgd.step(0.1);
            for (Map.Entry<String, Tensor> b : net.namedBuffers().entrySet()) {
                add(run, b.getKey() + " " + step, b.getValue().data());
            }
        }
        for (Module m : net.modules()) {
            if (m instanceof BatchNorm2d bn) {
                run.batchesTracked.add(bn.numBatchesTracked());
            }
        }
        assertThat(run.batchesTracked).as("every BN counted each step once").containsOnly((long) STEPS);
        return run;
    }

    private static void add(Run run, String name, float[] values) {
        run.names.add(name);
        run.values.add(values.clone());
    }

    @Test
    void recomputedActivationsTakeMemoryIndependentOfDepthBesidesUnitOutputs() {
        // CIFAR ResNet-14 and -32 (2 and 5 units per stage) at batch 2, 8x8, after two training steps.
        Module.BufferUse[] shallow = bufferUse(14), deep = bufferUse(32);
        assertThat(deep[0].gradientBytes()).as("gradient pool, plain").isEqualTo(shallow[0].gradientBytes());
        assertThat(deep[1].gradientBytes()).as("gradient pool, recomputed units").isEqualTo(shallow[1].gradientBytes());
        assertThat(deep[1].scratchBytes()).as("scratch, recomputed units").isEqualTo(shallow[1].scratchBytes());
        // Recomputing units keeps one output per unit instead of three (conv, BN with its fused ReLU, conv; the last
        // BN runs fused with the add and the ReLU and writes the unit's output) plus the unit's own.
        long unitOutputs = 2L * (16 * 8 * 8 + 32 * 4 * 4 + 64 * 2 * 2) * 4;  // per unit of each stage, batch 2, bytes
        assertThat(deep[1].outputBytes() - shallow[1].outputBytes()).isEqualTo(3 * unitOutputs);
        assertThat(deep[0].outputBytes() - shallow[0].outputBytes()).isEqualTo(3 * 4 * unitOutputs);
    }

    /** Buffers after two steps without and with unit recomputation; a third step must not add any. */
    private static Module.BufferUse[] bufferUse(int depth) {
        Module.BufferUse[] use = new Module.BufferUse[2];
        for (Recompute mode : new Recompute[] {Recompute.NONE, Recompute.BLOCK}) {
            Sequential net = ResNet.build(ResNetSpec.cifarResNet(depth), 3, mode);
            Tensor x = Checks.randn(5, 2, 3, 8, 8);
            CrossEntropyLoss loss = new CrossEntropyLoss();
            for (int step = 0; step < 3; step++) {
                loss.forward(net.forward(x), new int[] {1, 2});
                net.backward(loss.backward());
                if (step == 1) {
                    use[mode.ordinal()] = net.bufferUse();
                }
            }
            assertThat(net.bufferUse()).as("buffers after the third step, " + mode).isEqualTo(use[mode.ordinal()]);
        }
        return use;
    }

    @Test
    void segmentsDoNotNest() {
        Sequential net = ResNet.build(cifarOptionA(), 1, Recompute.BLOCK);
        ((Sequential) net.children().get("layer2")).setRecompute(true);
        assertThatThrownBy(() -> net.forward(Checks.randn(1, 2, 3, 8, 8)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("segments cannot nest");
        assertThatThrownBy(() -> ResNet.setRecompute(new Sequential(), Recompute.BLOCK))
                .hasMessageContaining("not a network built by ResNet.build");
    }
}
