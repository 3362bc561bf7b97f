package io.resnet4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plots and the HTML report from a metrics.jsonl fixture (15 epochs, one without test numbers). */
class RunReportTest {

    @TempDir
    Path run;

    static void copyFixture(Path dir, String name) throws IOException {
        try (InputStream in = RunReportTest.class.getResourceAsStream("/io/resnet4j/cli/run/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource io/resnet4j/cli/run/" + name);
            }
            Files.copy(in, dir.resolve(name));
        }
    }

    @Test
    void readsTheFixture() throws IOException {
        copyFixture(run, "metrics.jsonl");
        List<EpochMetrics> rows = MetricsFile.read(run.resolve("metrics.jsonl"));
        assertThat(rows).hasSize(15);
        assertThat(rows.get(0)).isEqualTo(new EpochMetrics(1, 0.8, 0.696, 0.8568, 0.6778, 0.098907, 417.9));
        assertThat(rows.get(2).hasTest()).isFalse();
        assertThat(rows.get(2).testLoss()).isNaN();
    }

    @Test
    void writesPlotsAndReport() throws IOException {
        for (String f : List.of("metrics.jsonl", "confusion.json", "config.json")) {
            copyFixture(run, f);
        }
        RunReport.Result r = RunReport.generate(run);

        for (String png : List.of(Plots.LOSS_PNG, Plots.ACCURACY_PNG, Plots.LR_PNG)) {
            BufferedImage img = ImageIO.read(run.resolve(png).toFile());
            assertThat(img).as(png).isNotNull();
            assertThat(img.getWidth()).isEqualTo(Plots.WIDTH);
            assertThat(img.getHeight()).isEqualTo(Plots.HEIGHT);
            assertThat(distinctColours(img)).as("%s is not blank", png).isGreaterThan(20);
        }
        BufferedImage cm = ImageIO.read(run.resolve(ConfusionPlot.PNG).toFile());
        assertThat(cm.getWidth()).isGreaterThan(400);
        assertThat(distinctColours(cm)).isGreaterThan(20);

        String html = Files.readString(r.html(), StandardCharsets.UTF_8);
        assertThat(r.html()).isEqualTo(run.resolve("report.html"));
        assertThat(html).contains("<img src=\"loss.png\"", "<img src=\"accuracy.png\"", "<img src=\"lr.png\"",
                "<img src=\"confusion.png\"");
        // Final epoch 15 and the best test accuracy, from the fixture.
        assertThat(html).contains("<td class=\"k\">final test accuracy</td><td>89.07%</td>");
        assertThat(html).contains("(epoch 15)");
        // Configuration, nested keys flattened; class names escaped.
        assertThat(html).contains("optimizer.weight_decay").contains("resnet20");
        assertThat(html).contains("T-shirt/top").contains("Ankle boot");
        assertThat(html).doesNotContain("NaN");
        // No temp files left behind by the atomic writes.
        try (var files = Files.list(run)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void reportWithoutOptionalFilesAndOneEpoch() throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"),
                "{\"epoch\": 1, \"train_loss\": 2.1, \"train_acc\": 0.2, \"lr\": 0.1}\n", StandardCharsets.UTF_8);
        RunReport.Result r = RunReport.generate(run);
        assertThat(run.resolve(Plots.LOSS_PNG)).exists();
        assertThat(run.resolve(ConfusionPlot.PNG)).doesNotExist();
        assertThat(Files.readString(r.html())).contains("final train loss").doesNotContain("Configuration");
    }

    @Test
    void confusionMatrixRoundTripsAndCounts() {
        ConfusionMatrix m = ConfusionMatrix.empty(List.of("cat", "dog", "<bird>"));
        m.add(0, 0);
        m.add(0, 1);
        m.add(1, 1);
        m.add(2, 2);
        Path f = run.resolve("confusion.json");
        m.write(f);
        ConfusionMatrix back = ConfusionMatrix.read(f);
        assertThat(back.classes()).containsExactly("cat", "dog", "<bird>");
        assertThat(back.counts()).isDeepEqualTo(new long[][] {{1, 1, 0}, {0, 1, 0}, {0, 0, 1}});
        assertThat(back.accuracy()).isEqualTo(0.75);
        assertThat(back.classAccuracy(0)).isEqualTo(0.5);
    }

    @Test
    void htmlEscapes() {
        assertThat(HtmlReport.esc("<a href=\"x\">&'</a>")).isEqualTo("&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    }

    private static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
