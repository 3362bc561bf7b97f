package io.resnet4j.cli.experiment;

import io.resnet4j.experiment.DegradationConfig;
import io.resnet4j.experiment.DegradationExperiment;
import io.resnet4j.experiment.EpochRecord;
import io.resnet4j.experiment.LayerProbes.LayerValues;
import io.resnet4j.experiment.NetKind;
import io.resnet4j.experiment.ResultsLog;
import io.resnet4j.experiment.RunKey;
import io.resnet4j.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

import static org.assertj.core.api.Assertions.assertThat;

/** The report of a synthetic experiment (results written by hand, no training): files, figures, table. */
class DegradationReportTest {
    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    @TempDir
    Path dir;

    private void writeExperiment(boolean finished) throws Exception {
        DegradationConfig c = DegradationConfig.defaults(List.of(8, 14), List.of(1L, 2L), 4, dir).withProbes(List.of(2, 4), 64);
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("format", DegradationExperiment.FORMAT);
        top.put("data", Map.of("id", "synthetic", "train_images", 100, "test_images", 50, "channels", 1, "height", 8,
                "width", 8, "classes", 10));
        top.put("config", c.describe());
        Files.writeString(dir.resolve(DegradationExperiment.CONFIG_FILE), Json.write(top));
        ResultsLog log = ResultsLog.open(dir);
        for (RunKey k : c.runs()) {
            int epochs = finished || k.depth() == 8 ? 4 : 2;
            double gap = k.kind() == NetKind.PLAIN ? 0.01 * k.depth() : -0.005 * k.depth();
            for (int e = 0; e <= epochs; e++) {
                LayerValues g = e == 0 || e == 2 || e == 4 ? layers(k.depth(), e, k.kind() == NetKind.PLAIN ? 0.5 : 1.0) : null;
                LayerValues s = e == 2 || e == 4 ? layers(k.depth(), e, k.kind() == NetKind.PLAIN ? 2.0 : 0.7) : null;
                double train = e == 0 ? Double.NaN : 0.5 / e + gap + 0.01 * k.seed();
                double test = e == 0 ? Double.NaN : train + 0.05;
                log.append(new EpochRecord(k, e, train, test, 1, 1, 0.1, 10, 2, 1, g, s));
            }
        }
    }

    private static LayerValues layers(int depth, int epoch, double base) {
        List<String> names = new ArrayList<>();
        double[] v = new double[depth - 1];
        for (int i = 0; i < v.length; i++) {
            names.add("layer" + i);
            v[i] = base * Math.pow(1.1, i) / (1 + epoch);
        }
        return new LayerValues(names, v);
    }

    @Test
    void writesTheFiguresTheTableAndThePage() throws Exception {
        writeExperiment(true);
        List<Path> files = DegradationReport.write(dir);
        Path out = dir.resolve(DegradationReport.DIR);
        assertThat(files).containsExactly(out.resolve("errors.png"), out.resolve("gradient-norms.png"),
                out.resolve("response-std.png"), out.resolve("report.md"), out.resolve("report.html"));

        BufferedImage errors = ImageIO.read(out.resolve("errors.png").toFile());
        assertThat(errors.getWidth()).isEqualTo(2 * ExperimentPlots.PANEL_W);
        assertThat(errors.getHeight()).isEqualTo(ExperimentPlots.PANEL_H);
        // Both panels draw both depths in their colours.
        for (int half = 0; half < 2; half++) {
            for (int depth : List.of(8, 14)) {
                Color col = ExperimentPlots.colour(List.of(8, 14), depth);
                assertThat(countColour(errors, half * ExperimentPlots.PANEL_W, col)).as("depth " + depth + " panel " + half)
                        .isGreaterThan(50);
            }
        }
        // Gradient norms: rows for initialisation and epochs 2 and 4, plain and ResNet side by side.
        BufferedImage grads = ImageIO.read(out.resolve("gradient-norms.png").toFile());
        assertThat(grads.getHeight()).isEqualTo(3 * ExperimentPlots.PANEL_H);
        assertThat(grads.getWidth()).isEqualTo(2 * ExperimentPlots.PANEL_W);
        assertThat(ImageIO.read(out.resolve("response-std.png").toFile()).getWidth()).isEqualTo(2 * ExperimentPlots.PANEL_W);

        String md = Files.readString(out.resolve("report.md"));
        // plain8 after 4 epochs: 0.125 + 0.08 + 0.01 s -> seeds 21.5% and 22.5%: mean 22.00, sample std 0.71
        assertThat(md).contains("| 8 | 22.00 ± 0.71 | 27.00 ± 0.71 |")
                .contains("![errors.png](errors.png)").doesNotContain("Not finished");
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<img src=\"errors.png\"").contains("<img src=\"gradient-norms.png\"")
                .contains("<img src=\"response-std.png\"").contains("<td>22.00 ± 0.71</td>");
    }

    @Test
    void aReportOfAnUnfinishedExperimentSaysWhatIsMissing() throws Exception {
        writeExperiment(false);
        DegradationReport.write(dir);
        String md = Files.readString(dir.resolve(DegradationReport.DIR).resolve("report.md"));
        assertThat(md).contains("| 14 | – | – | – | – |")
                .contains("Not finished yet: plain14 (seed 1), resnet14 (seed 1), plain14 (seed 2), resnet14 (seed 2).");
    }

    private static int countColour(BufferedImage img, int x0, Color c) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = x0; x < x0 + ExperimentPlots.PANEL_W; x++) {
                if ((img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff)) {
                    n++;
                }
            }
        }
        return n;
    }
}
