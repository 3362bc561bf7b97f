package io.resnet4j.experiment;

import io.resnet4j.data.ArrayDataset;
import io.resnet4j.data.Augmentation.Normalization;
import io.resnet4j.data.Datasets;
import io.resnet4j.data.Split;
import io.resnet4j.experiment.LayerProbes.LayerValues;
import io.resnet4j.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The runner on a tiny configuration: depths 8 and 14 (6n+2, n = 1 and 2), 96 training and 32 test images of the
 * Fashion-MNIST subset bundled in the jar, shrunk to 14x14 (2x2 means) to keep the test fast, 2 epochs, batch 16.
 */
class DegradationExperimentTest {
    private static ExperimentData data;

    @TempDir
    static Path shared;
    private static Path reference;
    private static long referenceMillis;

    @BeforeAll
    static void uninterruptedReference() {
        data = new ExperimentData("fashion-mnist-subset-14px", halve(Datasets.fashionMnistSubset(Split.TRAIN)),
                halve(Datasets.fashionMnistSubset(Split.TEST)), Normalization.fashionMnist());
        reference = shared.resolve("reference");
        long t0 = System.nanoTime();
        new DegradationExperiment(tiny(reference), data).run(new DegradationExperiment.Listener() { });
        referenceMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("tiny experiment (4 nets x 2 epochs): " + referenceMillis + " ms");
    }

    /** The images at half resolution (each pixel the rounded mean of a 2x2 block). */
    static ArrayDataset halve(ArrayDataset d) {
        int h = d.height() / 2, w = d.width() / 2;
        byte[] src = d.pixels();
        byte[] out = new byte[d.size() * h * w];
        for (int i = 0; i < d.size(); i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int base = i * d.height() * d.width();
                    int s = (src[base + 2 * y * d.width() + 2 * x] & 0xff) + (src[base + 2 * y * d.width() + 2 * x + 1] & 0xff)
                            + (src[base + (2 * y + 1) * d.width() + 2 * x] & 0xff) + (src[base + (2 * y + 1) * d.width() + 2 * x + 1] & 0xff);
                    out[i * h * w + y * w + x] = (byte) ((s + 2) / 4);
                }
            }
        }
        return new ArrayDataset(d.name() + "/2", out, d.labels(), 1, h, w, d.classNames());
    }

    static DegradationConfig tiny(Path out) {
        return DegradationConfig.defaults(List.of(8, 14), List.of(3L), 2, out)
                .withBatchSize(16).withSubsets(96, 32).withProbes(List.of(1, 2), 16);
    }

    @Test
    void writesTheConfigOneRecordPerEpochAndNetAndTheCheckpoints() throws Exception {
        assertThat(reference.resolve(DegradationExperiment.CONFIG_FILE)).exists();
        List<String> lines = Files.readAllLines(reference.resolve(ResultsLog.FILE), StandardCharsets.UTF_8);
        assertThat(lines).hasSize(4 * 3);                        // 4 nets x (initialisation + 2 epochs)
        DegradationResults r = DegradationResults.load(reference);
        assertThat(r.data()).containsEntry("train_images", 96L).containsEntry("test_images", 32L);
        for (RunKey key : tiny(reference).runs()) {
            assertThat(reference.resolve("runs").resolve(key.dirName()).resolve(Trainer.LAST)).exists();
            assertThat(r.finished(key)).isTrue();
            EpochRecord init = r.record(key, 0);
            assertThat(init.gradNorms().layers()).hasSize(key.depth() - 1);
            assertThat(init.responseStd()).isNull();
            assertThat(init.trainError()).isNaN();
            for (int e = 1; e <= 2; e++) {
                EpochRecord rec = r.record(key, e);
                assertThat(rec.trainError()).isBetween(0.0, 1.0);
                assertThat(rec.testError()).isBetween(0.0, 1.0);
                assertThat(rec.gradNorms().values()).hasSize(key.depth() - 1);
                assertThat(rec.responseStd().values()).hasSize(key.depth() - 1);
                for (double v : rec.gradNorms().values()) {
                    assertThat(v).isPositive().isFinite();
                }
                for (double v : rec.responseStd().values()) {
                    assertThat(v).isPositive().isFinite();
                }
            }
            // The trainer's own metrics agree with the record.
            List<String> metrics = Files.readAllLines(reference.resolve("runs").resolve(key.dirName()).resolve(Trainer.METRICS));
            assertThat(metrics).hasSize(2);
        }
        // Twins start from the same weights: identical initial gradients would need identical nets, but the plain net's
        // initial parameters equal the ResNet's (option A adds none), so their layer names agree one to one.
        assertThat(r.record(new RunKey(NetKind.PLAIN, 14, 3), 0).gradNorms().layers())
                .isEqualTo(r.record(new RunKey(NetKind.RESIDUAL, 14, 3), 0).gradNorms().layers());
        assertThat(r.markdownTable()).contains("| 8 |").contains("| 14 |").doesNotContain("–");
    }

    @Test
    void resumesAfterAnInterruptionWithoutRedoingFinishedWorkAndGivesTheSameResults() throws Exception {
        Path dir = shared.resolve("interrupted");
        // Stop in the second network (resnet8) right after its first epoch's record.
        RunKey victim = new RunKey(NetKind.RESIDUAL, 8, 3);
        assertThatThrownBy(() -> new DegradationExperiment(tiny(dir), data).run(new DegradationExperiment.Listener() {
            @Override
            public void onEpoch(EpochRecord r) {
                if (r.key().equals(victim) && r.epoch() == 1) {
                    throw new IllegalStateException("simulated interruption");
                }
            }
        })).hasMessageContaining("simulated interruption");
        // As if the process had died after the checkpoint but before the record, mid-way through writing it.
        Path results = dir.resolve(ResultsLog.FILE);
        List<String> lines = new ArrayList<>(Files.readAllLines(results, StandardCharsets.UTF_8));
        assertThat(lines).hasSize(3 + 2);
        String lost = lines.remove(lines.size() - 1);
        Files.writeString(results, String.join("\n", lines) + "\n" + lost.substring(0, lost.length() / 2), StandardCharsets.UTF_8);

        List<String> events = new ArrayList<>();
        new DegradationExperiment(tiny(dir), data).run(new DegradationExperiment.Listener() {
            @Override
            public void onRunStart(RunKey key, int index, int total, int fromEpoch) {
                events.add("start " + key.net() + " from " + fromEpoch);
            }

            @Override
            public void onRunSkipped(RunKey key, int index, int total) {
                events.add("skip " + key.net());
            }

            @Override
            public void onEpoch(EpochRecord r) {
                events.add(r.key().net() + " epoch " + r.epoch());
            }
        });
        assertThat(events).containsExactly(
                "skip plain8",
                "resnet8 epoch 1", "start resnet8 from 1", "resnet8 epoch 2",
                "plain14 epoch 0", "start plain14 from 0", "plain14 epoch 1", "plain14 epoch 2",
                "resnet14 epoch 0", "start resnet14 from 0", "resnet14 epoch 1", "resnet14 epoch 2");

        DegradationResults a = DegradationResults.load(reference);
        DegradationResults b = DegradationResults.load(dir);
        assertThat(Files.readAllLines(results, StandardCharsets.UTF_8)).hasSize(12);
        for (RunKey key : tiny(dir).runs()) {
            for (int e = 0; e <= 2; e++) {
                EpochRecord x = a.record(key, e);
                EpochRecord y = b.record(key, e);
                // Bit for bit (NaN, the missing error at epoch 0, equals NaN).
                assertThat(bits(y.trainError())).as(key + " epoch " + e).isEqualTo(bits(x.trainError()));
                assertThat(bits(y.testError())).isEqualTo(bits(x.testError()));
                assertThat(bits(y.trainLoss())).isEqualTo(bits(x.trainLoss()));
                assertThat(bits(y.testLoss())).isEqualTo(bits(x.testLoss()));
                assertSame(x.gradNorms(), y.gradNorms());
                assertSame(x.responseStd(), y.responseStd());
            }
        }
    }

    private static long bits(double v) {
        return Double.doubleToLongBits(v);
    }

    private static void assertSame(LayerValues x, LayerValues y) {
        if (x == null) {
            assertThat(y).isNull();
            return;
        }
        assertThat(y.layers()).isEqualTo(x.layers());
        assertThat(y.values()).containsExactly(x.values());
    }

    @Test
    void probesDoNotChangeTheTraining() {
        Path dir = shared.resolve("no-probes");
        DegradationConfig c = DegradationConfig.defaults(List.of(8), List.of(3L), 2, dir)
                .withBatchSize(16).withSubsets(96, 32).withProbes(List.of(), 16);
        DegradationResults without = new DegradationExperiment(c, data).run(new DegradationExperiment.Listener() { });
        DegradationResults with = DegradationResults.load(reference);
        for (NetKind kind : NetKind.values()) {
            RunKey key = new RunKey(kind, 8, 3);
            for (int e = 1; e <= 2; e++) {
                assertThat(without.record(key, e).responseStd()).isNull();
                assertThat(without.record(key, e).trainLoss()).isEqualTo(with.record(key, e).trainLoss());
                assertThat(without.record(key, e).testLoss()).isEqualTo(with.record(key, e).testLoss());
            }
        }
    }

    @Test
    void refusesToResumeWithAnotherRecipe() {
        DegradationConfig other = tiny(reference).withOptimizer(0.05, DegradationConfig.Schedule.STEP, 0.9, 1e-4);
        assertThatThrownBy(() -> new DegradationExperiment(other, data).run(new DegradationExperiment.Listener() { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lr was 0.1, now 0.05");
    }
}
