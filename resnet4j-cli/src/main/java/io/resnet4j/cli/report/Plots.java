package io.resnet4j.cli.report;

import io.resnet4j.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG line plots of a run's metrics per epoch (XChart, drawn off-screen). */
public final class Plots {
    public static final String LOSS_PNG = "loss.png";
    public static final String ACCURACY_PNG = "accuracy.png";
    public static final String LR_PNG = "lr.png";

    static final int WIDTH = 800;
    static final int HEIGHT = 500;
    static final Color TRAIN = new Color(0x1f77b4);
    static final Color TEST = new Color(0xd62728);
    static final Color LR = new Color(0x2ca02c);

    private Plots() {
    }

    /** Writes loss, accuracy and learning-rate plots into {@code dir}; returns the files written. */
    public static List<Path> write(List<EpochMetrics> rows, Path dir) {
        List<Path> written = new ArrayList<>();
        written.add(save(lossChart(rows), dir.resolve(LOSS_PNG)));
        if (rows.stream().anyMatch(r -> !Double.isNaN(r.trainAcc()) || r.hasTest())) {
            written.add(save(accuracyChart(rows), dir.resolve(ACCURACY_PNG)));
        }
        if (rows.stream().anyMatch(r -> !Double.isNaN(r.lr()))) {
            written.add(save(lrChart(rows), dir.resolve(LR_PNG)));
        }
        return written;
    }

    static XYChart lossChart(List<EpochMetrics> rows) {
        XYChart c = chart("Loss per epoch", "cross-entropy loss");
        add(c, "train", rows, EpochMetrics::trainLoss, TRAIN);
        add(c, "test", rows, EpochMetrics::testLoss, TEST);
        c.getStyler().setYAxisDecimalPattern("0.###");
        return c;
    }

    static XYChart accuracyChart(List<EpochMetrics> rows) {
        XYChart c = chart("Accuracy per epoch", "top-1 accuracy (%)");
        add(c, "train", rows, r -> 100 * r.trainAcc(), TRAIN);
        add(c, "test", rows, r -> 100 * r.testAcc(), TEST);
        c.getStyler().setYAxisDecimalPattern("0.#");
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        return c;
    }

    static XYChart lrChart(List<EpochMetrics> rows) {
        XYChart c = chart("Learning rate at the end of each epoch", "learning rate");
        add(c, "lr", rows, EpochMetrics::lr, LR);
        c.getStyler().setLegendVisible(false);
        c.getStyler().setYAxisDecimalPattern("0.#####");
        c.getStyler().setYAxisMin(0.0);
        return c;
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle(yTitle).build();
        XYStyler s = c.getStyler();
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
        s.setChartTitleFont(base.deriveFont(Font.BOLD, 17f));
        s.setAxisTitleFont(base);
        s.setAxisTickLabelsFont(base.deriveFont(13f));
        s.setLegendFont(base.deriveFont(13f));
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(new Color(0x888888));
        s.setPlotGridLinesColor(new Color(0xe0e0e0));
        s.setLegendPosition(Styler.LegendPosition.InsideNE);
        s.setLegendBorderColor(new Color(0xcccccc));
        s.setChartTitleBoxVisible(false);
        s.setMarkerSize(7);
        s.setAntiAlias(true);
        s.setChartPadding(12);
        // Epochs are integers: label whole numbers only, whatever spacing XChart picks for the ticks.
        s.setxAxisTickLabelsFormattingFunction(x -> Math.abs(x - Math.rint(x)) < 1e-9
                ? String.valueOf((long) Math.rint(x)) : "");
        return c;
    }

    /** Adds the epochs where {@code f} is defined (a test series may skip epochs). */
    private static void add(XYChart c, String name, List<EpochMetrics> rows, ToDoubleFunction<EpochMetrics> f,
                            Color color) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (EpochMetrics r : rows) {
            double y = f.applyAsDouble(r);
            if (Double.isFinite(y)) {
                xs.add((double) r.epoch());
                ys.add(y);
            }
        }
        if (xs.isEmpty()) {
            return;
        }
        XYSeries s = c.addSeries(name, xs, ys);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineStyle(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    }

    static Path save(XYChart chart, Path file) {
        try {
            AtomicFiles.write(file, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot draw " + file + ": " + e.getMessage(), e);
        }
    }
}
