package io.resnet4j.train;

import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Conv2d;
import io.resnet4j.nn.Flatten;
import io.resnet4j.nn.GlobalAvgPool;
import io.resnet4j.nn.Linear;
import io.resnet4j.nn.ReLU;
import io.resnet4j.nn.Residual;
import io.resnet4j.nn.Sequential;
import io.resnet4j.optim.LrSchedule;
import io.resnet4j.optim.SgdConfig;
import io.resnet4j.tensor.Tensor;
import io.resnet4j.testing.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The trainer against PyTorch (tools/reference/train_steps.py): the same small residual net, initial weights and
 * batch order, ten steps of SGD with Nesterov momentum, weight decay excluding BN and biases, label smoothing and
 * a multistep schedule. Losses agree to 1e-6 relative (measured: 8e-8), final weights and BN statistics to
 * 1e-4 relative (measured: 9e-6): the float32 noise of different summation orders.
 */
class TrainerParityTest {
    private static final Fixture F = Fixture.load("resnet4j-engine", "train/tiny_resnet_sgd.bin");

    @TempDir
    Path tmp;

    static Sequential net() {
        Sequential block = new Sequential()
                .add("conv1", new Conv2d(8, 8, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(8))
                .add("relu", new ReLU())
                .add("conv2", new Conv2d(8, 8, 3, 1, 1, false))
                .add("bn2", new BatchNorm2d(8));
        return new Sequential()
                .add("conv1", new Conv2d(3, 8, 3, 1, 1, false))
                .add("bn1", new BatchNorm2d(8))
                .add("relu", new ReLU())
                .add("layer1", new Sequential(new Residual(block, null, true)))
                .add("avgpool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("fc", new Linear(8, 10));
    }

    @Test
    void tenStepsMatchPyTorch() {
        Sequential net = net();
        Map<String, Tensor> state = TinyTrainingState.tensors(net);
        state.forEach((k, t) -> t.copyFrom(F.tensor("init." + k)));

        Tensor images = F.tensor("images");
        int[] labels = F.ints("labels");
        TensorBatchSource data = new TensorBatchSource(images, labels, 8, false, 0, false);
        TrainConfig cfg = TrainConfig.builder(tmp.resolve("run"))
                .epochs(1).batchSize(8)
                .schedule(LrSchedule.MultiStep.iterations(0.1, 6))
                .sgd(new SgdConfig(0.9, 0, true, 5e-4, true))
                .labelSmoothing(0.1)
                .initialize(false)
                .checkpoints(CheckpointPolicy.none())
                .build();
        List<Double> losses = new ArrayList<>(), lrs = new ArrayList<>();
        Trainer t = new Trainer(net, cfg, data, data);
        t.addListener(new TrainListener() {
            @Override
            public void onBatch(BatchProgress p) {
                losses.add(p.loss());
                lrs.add(p.lr());
            }
        });
        t.fit();

        double[] want = F.entry("losses").values();
        assertThat(losses).hasSize(want.length);
        double worstLoss = 0;
        for (int s = 0; s < want.length; s++) {
            assertThat(lrs.get(s)).as("lr at step %d", s).isEqualTo(F.entry("lrs").values()[s]);
            assertThat(losses.get(s)).as("loss at step %d", s).isCloseTo(want[s], within(1e-6 * Math.abs(want[s])));
            worstLoss = Math.max(worstLoss, Math.abs(losses.get(s) - want[s]) / Math.abs(want[s]));
        }
        double worstWeight = 0;
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            float[] got = e.getValue().data();
            float[] exp = F.floats("final." + e.getKey());
            for (int i = 0; i < got.length; i++) {
                double err = Math.abs(got[i] - exp[i]);
                worstWeight = Math.max(worstWeight, err / (Math.abs(exp[i]) + 1e-3));
                assertThat((double) got[i]).as("%s[%d]", e.getKey(), i).isCloseTo(exp[i], within(1e-4 * (Math.abs(exp[i]) + 1e-2)));
            }
        }
        net.namedModules().forEach((k, m) -> {
            if (m instanceof BatchNorm2d bn) {
                assertThat(bn.numBatchesTracked()).as(k).isEqualTo((long) F.scalar("final." + k + ".num_batches_tracked"));
            }
        });
        System.out.printf("parity: worst loss rel. error %.2e, worst weight rel. error %.2e%n", worstLoss, worstWeight);
    }
}
