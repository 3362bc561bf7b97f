package io.resnet4j.train;

import io.resnet4j.io.Json;
import io.resnet4j.io.ModuleState;
import io.resnet4j.io.Safetensors;
import io.resnet4j.nn.BatchNorm2d;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;
import io.resnet4j.optim.LrSchedule;
import io.resnet4j.optim.Sgd;
import io.resnet4j.optim.SgdConfig;
import io.resnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerTest {
    @TempDir
    Path tmp;

    /** data with every batch passed through the function {@code perEpoch} gives when its epoch starts. */
    private static BatchSource mapped(BatchSource data, Supplier<UnaryOperator<Batch>> perEpoch) {
        return new BatchSource() {
            @Override
            public int size() {
                return data.size();
            }

            @Override
            public int batchesPerEpoch() {
                return data.batchesPerEpoch();
            }

            @Override
            public Iterator<Batch> epoch(int epoch) {
                Iterator<Batch> it = data.epoch(epoch);
                UnaryOperator<Batch> f = perEpoch.get();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Batch next() {
                        return f.apply(it.next());
                    }
                };
            }
        };
    }

    /** Momentum + Nesterov + weight decay without norm/bias decay, warm-up + cosine, label smoothing, EMA. */
    private static TrainConfig.Builder recipe(Path dir) {
        return TrainConfig.builder(dir)
                .epochs(4)
                .batchSize(10)
                .schedule(LrSchedule.Warmup.linear(3, 0.1, new LrSchedule.Cosine(0.2, 0.002)))
                .sgd(new SgdConfig(0.9, 0, true, 5e-4, true))
                .labelSmoothing(0.1)
                .emaDecay(0.9)
                .seed(11);
    }

    private static TrainResult run(Sequential net, TrainConfig cfg) {
        // 48 examples in batches of 10: the last batch of each epoch has 8
        return new Trainer(net, cfg, TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6)).fit();
    }

    private static void assertSameState(Map<String, float[]> want, Map<String, float[]> got) {
        assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
        want.forEach((k, v) -> assertThat(got.get(k)).as(k).containsExactly(v));
    }

    private static List<Map<String, Object>> metrics(Path dir) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(Trainer.METRICS))) {
            out.add(Json.parseObject(line));
        }
        return out;
    }

    /** The metrics without the fields that measure time. */
    private static List<Map<String, Object>> untimed(List<Map<String, Object>> lines) {
        for (Map<String, Object> m : lines) {
            m.keySet().removeIf(k -> k.endsWith("_s") || k.equals("img_per_s"));
        }
        return lines;
    }

    @Test
    void sameSeedGivesABitwiseIdenticalRunAndAnotherSeedDoesNot() throws IOException {
        Sequential a = TinyTraining.net(), b = TinyTraining.net(), c = TinyTraining.net();
        run(a, recipe(tmp.resolve("a")).build());
        run(b, recipe(tmp.resolve("b")).build());
        run(c, recipe(tmp.resolve("c")).seed(12).build());
        assertSameState(TinyTraining.snapshot(a), TinyTraining.snapshot(b));
        assertThat(TinyTraining.snapshot(c).get("fc.weight")).isNotEqualTo(TinyTraining.snapshot(a).get("fc.weight"));
        assertThat(untimed(metrics(tmp.resolve("b")))).isEqualTo(untimed(metrics(tmp.resolve("a"))));
    }

    @Test
    void resumedRunIsBitwiseTheUninterruptedOne() throws IOException {
        Sequential full = TinyTraining.net();
        Trainer whole = new Trainer(full, recipe(tmp.resolve("full")).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        whole.fit();

        // stop after epoch 2 (of 4)
        Path dir = tmp.resolve("stopped");
        Trainer first = new Trainer(TinyTraining.net(), recipe(dir).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        first.addListener(new TrainListener() {
            @Override
            public void onEpoch(EpochMetrics m) {
                if (m.epoch() == 2) {
                    first.requestStop();
                }
            }
        });
        TrainResult r1 = first.fit();
        assertThat(r1.stoppedEarly()).isTrue();
        assertThat(r1.epochsCompleted()).isEqualTo(2);

        // a new process: a differently initialised module, fresh sources, the same recipe
        Sequential resumed = TinyTraining.net();
        resumed.initialize(999);
        Trainer second = new Trainer(resumed, recipe(dir).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        second.resumeFrom(dir.resolve(Trainer.LAST));
        TrainResult r2 = second.fit();
        assertThat(r2.epochs()).extracting(EpochMetrics::epoch).containsExactly(3, 4);
        assertThat(r2.stoppedEarly()).isFalse();

        assertSameState(TinyTraining.snapshot(full), TinyTraining.snapshot(resumed));
        whole.ema().averages().forEach((k, t) -> assertThat(second.ema().averages().get(k).data()).as("ema " + k).containsExactly(t.data()));
        Sgd.State sa = whole.optimizer().exportState(), sb = second.optimizer().exportState();
        assertThat(sb.steps()).isEqualTo(sa.steps()).isEqualTo(20);
        sa.momentumBuffers().forEach((k, v) -> assertThat(sb.momentumBuffers().get(k)).as("momentum " + k).containsExactly(v));
        assertThat(untimed(metrics(dir))).isEqualTo(untimed(metrics(tmp.resolve("full"))));
        assertThat(((BatchNorm2d) resumed.namedModules().get("bn1")).numBatchesTracked()).isEqualTo(20);
    }

    @Test
    void resumeDropsMetricsOfEpochsAfterTheCheckpoint() throws IOException {
        Path dir = tmp.resolve("run");
        TrainConfig cfg = recipe(dir).epochs(3).checkpoints(new CheckpointPolicy(true, true, 1)).build();
        run(TinyTraining.net(), cfg);
        // a crash after epoch 3's metrics: resume from the epoch-2 copy
        Sequential net = TinyTraining.net();
        Trainer t = new Trainer(net, cfg, TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        t.resumeFrom(dir.resolve("epoch-0002.safetensors"));
        assertThat(metrics(dir)).extracting(m -> m.get("epoch")).containsExactly(1L, 2L);
        t.fit();
        assertThat(metrics(dir)).extracting(m -> m.get("epoch")).containsExactly(1L, 2L, 3L);
    }

    @Test
    void dataWaitCountsTheTimeTheSourceTakesToDeliver() throws IOException {
        Path dir = tmp.resolve("wait");
        TensorBatchSource data = TinyTraining.data(48, 10, true, 5);
        // every batch arrives 30 ms late: 5 batches per epoch, so at least 150 ms of waiting
        BatchSource slow = mapped(data, () -> b -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return b;
        });
        TrainResult fast = new Trainer(TinyTraining.net(), recipe(tmp.resolve("fast")).epochs(1).build(), data,
                TinyTraining.data(21, 8, false, 6)).fit();
        TrainResult late = new Trainer(TinyTraining.net(), recipe(dir).epochs(1).build(), slow,
                TinyTraining.data(21, 8, false, 6)).fit();
        EpochMetrics f = fast.epochs().get(0), s = late.epochs().get(0);
        assertThat(s.dataWaitSec()).isBetween(0.150, s.trainTimeSec());
        // in memory, the batches cost next to nothing: far less than the 150 ms a late source adds (training time
        // counted as waiting would not be)
        assertThat(f.dataWaitSec()).isBetween(0.0, 0.1);
        assertThat((double) metrics(dir).get(0).get("data_wait_s")).isEqualTo(s.dataWaitSec());
    }

    @Test
    void metricsLinesHoldTheDocumentedFields() throws IOException {
        Path dir = tmp.resolve("m");
        List<BatchProgress> progress = new ArrayList<>();
        Trainer t = new Trainer(TinyTraining.net(), recipe(dir).epochs(6).emaDecay(0).evalEvery(2).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        t.addListener(new TrainListener() {
            @Override
            public void onBatch(BatchProgress p) {
                progress.add(p);
            }
        });
        TrainResult r = t.fit();
        List<Map<String, Object>> lines = metrics(dir);
        assertThat(lines).hasSize(6);
        for (int e = 0; e < 6; e++) {
            Map<String, Object> m = lines.get(e);
            assertThat(m).containsKeys("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "img_per_s",
                    "train_time_s", "data_wait_s", "eval_time_s", "wall_time_s", "step", "best_test_acc",
                    "eval_weights");
            assertThat((double) m.get("data_wait_s")).isBetween(0.0, (double) m.get("train_time_s"));
            assertThat(m.get("epoch")).isEqualTo((long) e + 1);
            assertThat(m.get("step")).isEqualTo(5L * (e + 1));
            assertThat((double) m.get("train_acc")).isBetween(0.0, 1.0);
            assertThat((double) m.get("img_per_s")).isPositive();
            assertThat(m.get("eval_weights")).isEqualTo("model");
            if (e % 2 == 0) {
                assertThat(m.get("test_acc")).as("epoch %d is not evaluated", e + 1).isNull();
            } else {
                assertThat((double) m.get("test_acc")).isBetween(0.0, 1.0);
            }
        }
        // the schedule's rate at the last step of each epoch
        LrSchedule s = recipe(dir).build().schedule();
        assertThat((double) lines.get(0).get("lr")).isEqualTo(s.lr(4, t.timeline()));
        // it learns the synthetic task
        assertThat((double) lines.get(5).get("train_acc")).isGreaterThan(0.8);
        assertThat(r.bestTestAcc()).isGreaterThan(0.8);
        assertThat((double) lines.get(5).get("train_loss")).isLessThan((double) lines.get(0).get("train_loss"));

        assertThat(progress).hasSize(30);
        BatchProgress p = progress.get(7);
        assertThat(p.epoch()).isEqualTo(2);
        assertThat(p.batch()).isEqualTo(3);
        assertThat(p.batches()).isEqualTo(5);
        assertThat(p.step()).isEqualTo(8);
        assertThat(p.imgPerSec()).isPositive();
        assertThat(p.etaEpochSec()).isGreaterThanOrEqualTo(0);
        assertThat(progress.get(29).etaRunSec()).isZero();
    }

    @Test
    void evaluationUsesRunningStatisticsAndReturnsToTrainingMode() {
        Sequential net = TinyTraining.net();
        Trainer t = new Trainer(net, recipe(tmp.resolve("e")).epochs(1).emaDecay(0).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        t.fit();
        Map<String, float[]> before = TinyTraining.snapshot(net);
        Evaluation r = t.evaluate();
        assertSameState(before, TinyTraining.snapshot(net));
        assertThat(net.isTraining()).isTrue();
        // the same numbers from an explicit eval-mode pass
        net.train(false);
        long correct = 0;
        var it = TinyTraining.data(21, 8, false, 6).epoch(0);
        while (it.hasNext()) {
            Batch b = it.next();
            correct += Trainer.countCorrect(net.forward(b.images()), b.labels(), b.size());
        }
        assertThat(r.accuracy()).isEqualTo(correct / 21.0);
        assertThat(r.examples()).isEqualTo(21);
    }

    @Test
    void bestCheckpointHoldsTheEvaluatedWeightsAsAPlainModel() {
        Path dir = tmp.resolve("best");
        TrainResult r = run(TinyTraining.net(), recipe(dir).epochs(3).build());
        Sequential fresh = TinyTraining.net();
        ModuleState.load(fresh, dir.resolve(Trainer.BEST));   // strict: only the model's tensors
        try (Safetensors.Reader reader = Safetensors.open(dir.resolve(Trainer.BEST))) {
            assertThat(reader.metadata().get("weights")).isEqualTo("ema");
            assertThat(Integer.parseInt(reader.metadata().get("epoch"))).isEqualTo(r.bestEpoch());
        }
        // evaluating the loaded best weights reproduces the best accuracy
        Trainer evalOnly = new Trainer(fresh, recipe(tmp.resolve("x")).emaDecay(0).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        assertThat(evalOnly.evaluate().accuracy()).isEqualTo(r.bestTestAcc());
    }

    @Test
    void nonFiniteLossStopsNamingTheStepAndTheBadInput() {
        TensorBatchSource good = TinyTraining.data(48, 10, false, 5);
        Tensor images = Tensor.wrap(io.resnet4j.tensor.Shape.of(48, 1, 6, 6), new float[48 * 36]);
        int[] labels = new int[48];
        var it = good.epoch(0);
        int k = 0;
        while (it.hasNext()) {
            Batch b = it.next();
            System.arraycopy(b.images().data(), 0, images.data(), k * 36, b.size() * 36);
            System.arraycopy(b.labels(), 0, labels, k, b.size());
            k += b.size();
        }
        images.data()[23 * 36 + 5] = Float.NaN;   // example 23: the 3rd batch (of 10) when not shuffled
        TensorBatchSource bad = new TensorBatchSource(images, labels, 10, false, 0, false);
        Trainer t = new Trainer(TinyTraining.net(), recipe(tmp.resolve("nan")).emaDecay(0).build(), bad,
                TinyTraining.data(21, 8, false, 6));
        assertThatThrownBy(t::fit)
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("epoch 1 of 4, iteration 3 of 5 (step 2")
                .hasMessageContaining("the loss is NaN")
                .hasMessageContaining("input batch itself holds NaN")
                .satisfies(e -> {
                    TrainingDivergedException d = (TrainingDivergedException) e;
                    assertThat(d.step()).isEqualTo(2);
                    assertThat(d.parameter()).isNull();
                });
    }

    @Test
    void nonFiniteGradientStopsNamingTheFirstLayer() {
        Sequential net = TinyTraining.net();
        // the poison sits after the residual layer; it spoils its own gradient at its 7th backward (epoch 2, batch 2)
        Sequential poisoned = new Sequential();
        net.children().forEach((name, m) -> {
            poisoned.add(name, m);
            if (name.equals("layer1")) {
                poisoned.add("poison", new Poison(7));
            }
        });
        Trainer t = new Trainer(poisoned, recipe(tmp.resolve("grad")).emaDecay(0).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        assertThatThrownBy(t::fit)
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("epoch 2 of 4, iteration 2 of 5 (step 6")
                .hasMessageContaining("the gradient of poison.scale is not finite")
                // resuming repeats the recipe, so the advice is to change it, not to resume
                .hasMessageContaining("the checkpoint of epoch 1, " + tmp.resolve("grad").resolve(Trainer.LAST)
                        + ", is kept; lower the learning rate")
                .hasMessageNotContaining("resume")
                .satisfies(e -> assertThat(((TrainingDivergedException) e).parameter()).isEqualTo("poison.scale"));
    }

    @Test
    void nonFiniteTestLossStopsAndKeepsThePreviousEpochsCheckpoint() throws IOException {
        Path dir = tmp.resolve("eval-nan");
        TensorBatchSource test = TinyTraining.data(21, 8, false, 6);
        // sound at the first evaluation, a NaN pixel from the second on (the weights stay finite)
        int[] evaluations = {0};
        BatchSource nanFromEpoch2 = mapped(test, () -> {
            boolean poison = ++evaluations[0] >= 2;
            return batch -> {
                if (poison) {
                    batch.images().data()[0] = Float.NaN;
                }
                return batch;
            };
        });
        Trainer t = new Trainer(TinyTraining.net(), recipe(dir).emaDecay(0).build(), TinyTraining.data(48, 10, true, 5),
                nanFromEpoch2);
        assertThatThrownBy(t::fit)
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("training diverged at epoch 2 of 4 (step 10, lr ")
                .hasMessageContaining("the test loss is NaN after the epoch's training (training loss ")
                .hasMessageContaining("the epoch's checkpoint was not written; the checkpoint of epoch 1, "
                        + dir.resolve(Trainer.LAST) + ", is kept; lower the learning rate")
                .satisfies(e -> {
                    TrainingDivergedException d = (TrainingDivergedException) e;
                    assertThat(d.epoch()).isEqualTo(2);
                    assertThat(d.step()).isEqualTo(10);
                    assertThat(d.parameter()).isNull();
                });
        assertThat(metrics(dir)).extracting(m -> m.get("epoch")).containsExactly(1L);
        try (Safetensors.Reader r = Safetensors.open(dir.resolve(Trainer.LAST))) {
            assertThat(r.metadata()).containsEntry("epoch", "1");
        }
    }

    @Test
    void aCorruptMetricsLineStopsTheResumeNamingItAndLeavesTheFile() throws IOException {
        Path dir = tmp.resolve("corrupt");
        TrainConfig cfg = recipe(dir).epochs(1).build();
        run(TinyTraining.net(), cfg);
        Path metrics = dir.resolve(Trainer.METRICS);
        Files.writeString(metrics, "not json\n", java.nio.file.StandardOpenOption.APPEND);
        String before = Files.readString(metrics);
        Trainer t = new Trainer(TinyTraining.net(), cfg, TinyTraining.data(48, 10, true, 5),
                TinyTraining.data(21, 8, false, 6));
        assertThatThrownBy(() -> t.resumeFrom(dir.resolve(Trainer.LAST)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(metrics + " line 2 is not a JSON object")
                .hasMessageContaining("delete the line");
        assertThat(Files.readString(metrics)).isEqualTo(before);
    }

    @Test
    void refusesToOverwriteARunOrToResumeWithAnotherRecipe() {
        Path dir = tmp.resolve("r");
        run(TinyTraining.net(), recipe(dir).epochs(1).build());
        assertThatThrownBy(() -> run(TinyTraining.net(), recipe(dir).epochs(1).build()))
                .hasMessageContaining("already holds a run");
        Trainer other = new Trainer(TinyTraining.net(), recipe(dir).epochs(1).labelSmoothing(0.2).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        assertThatThrownBy(() -> other.resumeFrom(dir.resolve(Trainer.LAST)))
                .hasMessageContaining("another recipe")
                .hasMessageContaining("label_smoothing: checkpoint 0.1, now 0.2");
        Trainer noEma = new Trainer(TinyTraining.net(), recipe(dir).epochs(1).emaDecay(0).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6));
        assertThatThrownBy(() -> noEma.resumeFrom(dir.resolve(Trainer.LAST)))
                .hasMessageContaining("unexpected")
                .hasMessageContaining("ema.conv1.weight");
    }

    @Test
    void aRunResumesFromItsCheckpointAlone() {
        Path dir = tmp.resolve("alone");
        TrainConfig cfg = recipe(dir).epochs(2).schedule(LrSchedule.OneCycle.of(0.3)).build();
        run(TinyTraining.net(), cfg);
        assertThat(Trainer.configOf(dir.resolve(Trainer.LAST))).isEqualTo(cfg);
        assertThat(cfg.toBuilder().build()).isEqualTo(cfg);
        assertThat(cfg.toBuilder().runDir(tmp.resolve("moved")).build().recipe()).isEqualTo(cfg.recipe());
        assertThatThrownBy(() -> Trainer.configOf(dir.resolve(Trainer.BEST)))
                .hasMessageContaining("not a resnet4j training checkpoint");
    }

    @Test
    void batchSizeMustMatchTheSource() {
        assertThatThrownBy(() -> new Trainer(TinyTraining.net(), recipe(tmp).batchSize(16).build(),
                TinyTraining.data(48, 10, true, 5), TinyTraining.data(21, 8, false, 6)))
                .hasMessageContaining("does not fit the configured batch size 16");
    }

    /** y = x * scale; its gradient becomes NaN at a chosen backward call. */
    static final class Poison extends Module {
        private final io.resnet4j.nn.Parameter scale =
                register("scale", new io.resnet4j.nn.Parameter(io.resnet4j.tensor.Shape.of(1), io.resnet4j.nn.Parameter.Kind.NORM_SCALE));
        private final int poisonAt;
        private int calls;
        private Tensor input, output, gradInput;

        Poison(int poisonAt) {
            this.poisonAt = poisonAt;
        }

        @Override
        protected void resetParameters(java.util.SplittableRandom rng) {
            scale.value().fill(1f);
        }

        @Override
        public io.resnet4j.tensor.Shape outputShape(io.resnet4j.tensor.Shape s) {
            return s;
        }

        @Override
        public Tensor forward(Tensor x) {
            output = reuse(output, x.shape());
            float s = scale.value().data()[0];
            for (int i = 0; i < x.numel(); i++) {
                output.data()[i] = x.data()[i] * s;
            }
            input = x;
            return output;
        }

        @Override
        public Tensor backward(Tensor dy) {
            gradInput = reuse(gradInput, dy.shape());
            float s = scale.value().data()[0];
            double g = 0;
            for (int i = 0; i < dy.numel(); i++) {
                gradInput.data()[i] = dy.data()[i] * s;
                g += dy.data()[i] * input.data()[i];
            }
            scale.grad().data()[0] += ++calls == poisonAt ? Float.NaN : (float) g;
            return gradInput;
        }
    }
}
