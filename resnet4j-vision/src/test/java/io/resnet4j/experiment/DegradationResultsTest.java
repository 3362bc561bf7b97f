package io.resnet4j.experiment;

import io.resnet4j.experiment.LayerProbes.LayerValues;
import io.resnet4j.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Reading results back: averages over seeds, the Markdown table, unfinished networks, damaged files. */
class DegradationResultsTest {
    @TempDir
    Path dir;

    /** Writes experiment.json for a config, as the runner does. */
    static void writeConfig(Path dir, DegradationConfig c) throws Exception {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("format", DegradationExperiment.FORMAT);
        top.put("data", Map.of("id", "synthetic", "train_images", 100, "test_images", 50, "channels", 1, "height", 8,
                "width", 8, "classes", 10));
        top.put("config", c.describe());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(DegradationExperiment.CONFIG_FILE), Json.write(top));
    }

    static EpochRecord rec(NetKind k, int depth, long seed, int epoch, double train, double test) {
        return new EpochRecord(new RunKey(k, depth, seed), epoch, train, test, 1, 1, 0.1, 1, 1, 0, null, null);
    }

    @Test
    void finalErrorsAreMeanAndSampleStdOverFinishedSeedsAndTheTableSaysWhatIsMissing() throws Exception {
        DegradationConfig c = DegradationConfig.defaults(List.of(8, 14), List.of(1L, 2L), 2, dir).withProbes(List.of(2), 16);
        writeConfig(dir, c);
        ResultsLog log = ResultsLog.open(dir);
        for (long s : List.of(1L, 2L)) {
            for (int e = 1; e <= 2; e++) {
                log.append(rec(NetKind.PLAIN, 8, s, e, 0.30 + 0.1 * s - 0.05 * e, 0.35 + 0.1 * s));
                log.append(rec(NetKind.RESIDUAL, 8, s, e, 0.20, 0.25));
            }
        }
        log.append(rec(NetKind.PLAIN, 14, 1, 1, 0.5, 0.5));           // seed 1 unfinished (epoch 1 of 2)
        log.append(rec(NetKind.PLAIN, 14, 2, 1, 0.6, 0.6));
        log.append(rec(NetKind.PLAIN, 14, 2, 2, 0.4, 0.45));          // seed 2 finished
        DegradationResults r = DegradationResults.load(dir);

        // plain8 final train errors: seed 1 0.30, seed 2 0.40 -> mean 0.35, sample std sqrt(0.005) = 0.0707
        DegradationResults.Final p8 = r.finalErrors(NetKind.PLAIN, 8);
        assertThat(p8.trainError().mean()).isCloseTo(0.35, within(1e-12));
        assertThat(p8.trainError().std()).isCloseTo(Math.sqrt(0.005), within(1e-12));
        assertThat(p8.testError().mean()).isCloseTo(0.50, within(1e-12));
        DegradationResults.Curve curve = r.curve(NetKind.PLAIN, 14);
        assertThat(curve.epochs()).containsExactly(1, 2);
        assertThat(curve.trainError()[0]).isCloseTo(0.55, within(1e-12));   // both seeds at epoch 1
        assertThat(curve.seeds()).containsExactly(2, 1);
        assertThat(r.finished(new RunKey(NetKind.PLAIN, 14, 1))).isFalse();
        assertThat(r.markdownTable()).isEqualTo("""
                | depth | plain train err % | plain test err % | ResNet train err % | ResNet test err % |
                |---:|---:|---:|---:|---:|
                | 8 | 35.00 ± 7.07 | 50.00 ± 7.07 | 20.00 ± 0.00 | 25.00 ± 0.00 |
                | 14 | 40.00 (1 of 2 seeds) | 45.00 (1 of 2 seeds) | – | – |
                """);
    }

    @Test
    void profilesAreAveragedOverSeedsLayerByLayer() throws Exception {
        DegradationConfig c = DegradationConfig.defaults(List.of(8), List.of(1L, 2L), 1, dir).withProbes(List.of(1), 16);
        writeConfig(dir, c);
        ResultsLog log = ResultsLog.open(dir);
        List<String> layers = List.of("conv1.weight", "layer1.0.conv1.weight");
        log.append(new EpochRecord(new RunKey(NetKind.RESIDUAL, 8, 1), 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, 0, 0, 0, new LayerValues(layers, new double[] {1, 4}), null));
        log.append(new EpochRecord(new RunKey(NetKind.RESIDUAL, 8, 2), 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, 0, 0, 0, new LayerValues(layers, new double[] {3, 8}), null));
        DegradationResults r = DegradationResults.load(dir);
        assertThat(r.gradientEpochs()).containsExactly(0);
        assertThat(r.responseEpochs()).isEmpty();
        DegradationResults.Profile p = r.gradientNorms(NetKind.RESIDUAL, 8, 0);
        assertThat(p.mean()).containsExactly(2, 6);
        assertThat(p.seeds()).isEqualTo(2);
        assertThat(r.gradientNorms(NetKind.PLAIN, 8, 0)).isNull();
        // NaN errors at initialisation survive the JSON round trip (written as null).
        assertThat(r.record(new RunKey(NetKind.RESIDUAL, 8, 1), 0).trainError()).isNaN();
    }

    @Test
    void aTornLastLineIsDroppedAndABadLineElsewhereIsNamed() throws Exception {
        DegradationConfig c = DegradationConfig.defaults(List.of(8), List.of(1L), 2, dir);
        writeConfig(dir, c);
        ResultsLog log = ResultsLog.open(dir);
        log.append(rec(NetKind.PLAIN, 8, 1, 1, 0.5, 0.5));
        Files.writeString(log.file(), Files.readString(log.file()) + "{\"kind\":\"pla");
        assertThat(ResultsLog.open(dir).records()).hasSize(1);
        assertThat(Files.readString(log.file())).endsWith("}\n");      // rewritten without the torn line
        Files.writeString(log.file(), "not json\n" + Files.readString(log.file()));
        assertThatThrownBy(() -> ResultsLog.open(dir)).hasMessageContaining("results.jsonl line 1");
        assertThatThrownBy(() -> DegradationResults.load(dir.resolve("nowhere")))
                .hasMessageContaining("holds no experiment");
    }

    @Test
    void configValidationNamesTheProblem() {
        assertThatThrownBy(() -> DegradationConfig.defaults(List.of(20, 21), List.of(1L), 2, dir))
                .hasMessageContaining("depth 21 is not a CIFAR ResNet depth");
        assertThatThrownBy(() -> DegradationConfig.defaults(List.of(32, 20), List.of(1L), 2, dir))
                .hasMessageContaining("ascending");
        assertThatThrownBy(() -> DegradationConfig.defaults(List.of(20), List.of(1L, 1L), 2, dir))
                .hasMessageContaining("distinct");
        assertThatThrownBy(() -> DegradationConfig.defaults(List.of(20), List.of(1L), 2, dir).withProbes(List.of(3), 16))
                .hasMessageContaining("probe epochs");
        assertThat(DegradationConfig.defaultProbeEpochs(1)).containsExactly(1);
        assertThat(DegradationConfig.defaultProbeEpochs(8)).containsExactly(1, 4, 8);
        DegradationConfig c = DegradationConfig.defaults(List.of(20, 56), List.of(1L, 2L), 8, dir);
        assertThat(DegradationConfig.fromDescription(Json.parseObject(Json.write(c.describe())), dir)).isEqualTo(c);
        assertThat(c.lrSchedule().describe()).containsEntry("type", "multistep");
        assertThat(c.runs()).extracting(RunKey::dirName).containsExactly("plain20-seed1", "resnet20-seed1",
                "plain56-seed1", "resnet56-seed1", "plain20-seed2", "resnet20-seed2", "plain56-seed2", "resnet56-seed2");
    }

    @Test
    void balancedSubsetTakesTheFirstImagesOfEachClassInFileOrder() {
        int[] labels = {0, 0, 0, 1, 0, 2, 1, 2, 2, 2};
        io.resnet4j.data.ArrayDataset d = new io.resnet4j.data.ArrayDataset("t", new byte[10], labels, 1, 1, 1,
                List.of("a", "b", "c"));
        for (int i = 0; i < 10; i++) {
            d.pixels()[i] = (byte) i;
        }
        // 7 images over 3 classes: quotas 3, 2, 2 -> indices 0,1,2 (class 0), 3,6 (class 1), 5,7 (class 2)
        io.resnet4j.data.ArrayDataset s = ExperimentData.balanced(d, 7);
        assertThat(s.pixels()).containsExactly(0, 1, 2, 3, 5, 6, 7);
        assertThat(ExperimentData.balanced(d, 0)).isSameAs(d);
        // Class 1 has only 2 images: its missing share goes to the next images in file order.
        io.resnet4j.data.ArrayDataset t = ExperimentData.balanced(d, 9);
        assertThat(t.size()).isEqualTo(9);
    }
}
