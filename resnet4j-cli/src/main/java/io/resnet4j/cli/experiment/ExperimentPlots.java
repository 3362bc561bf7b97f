package io.resnet4j.cli.experiment;

import io.resnet4j.experiment.DegradationResults;
import io.resnet4j.experiment.DegradationResults.Curve;
import io.resnet4j.experiment.DegradationResults.Profile;
import io.resnet4j.experiment.NetKind;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The experiment's figures (XChart, drawn off-screen): panels side by side or in a grid, composed into one PNG.
 * One colour per depth throughout; plain nets dashed and ResNets solid where both share a panel.
 */
final class ExperimentPlots {
    static final int PANEL_W = 620;
    static final int PANEL_H = 440;
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)
    };
    private static final BasicStroke BOLD = new BasicStroke(2.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    private static final BasicStroke THIN = new BasicStroke(1.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    private static final BasicStroke DASHED = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
            new float[] {7f, 5f}, 0f);

    private ExperimentPlots() {
    }

    static Color colour(List<Integer> depths, int depth) {
        return PALETTE[depths.indexOf(depth) % PALETTE.length];
    }

    /**
     * He et al. 2015 Fig. 6: training error (dashed) and test error (bold) in % against epochs, plain nets on the
     * left, ResNets on the right, the same y range in both; the mean over the seeds that reached each epoch.
     */
    static byte[] errors(DegradationResults r) {
        List<Integer> depths = r.config().depths();
        double max = 0;
        for (NetKind k : NetKind.values()) {
            for (int d : depths) {
                Curve c = r.curve(k, d);
                for (int i = 0; i < c.epochs().length; i++) {
                    max = Math.max(max, Math.max(c.trainError()[i], c.testError()[i]));
                }
            }
        }
        double yMax = Math.min(100, Math.ceil(100 * max / 5) * 5 + 5);
        List<XYChart> panels = new ArrayList<>();
        for (NetKind k : NetKind.values()) {
            XYChart c = chart(k.title() + " nets: training (dashed) and test (bold) error", "epoch", "error (%)");
            integerTicks(c);
            c.getStyler().setYAxisMin(0.0);
            c.getStyler().setYAxisMax(yMax);
            c.getStyler().setXAxisMin(r.config().epochs() > 1 ? 1.0 : 0.0);
            c.getStyler().setXAxisMax((double) r.config().epochs());
            for (int d : depths) {
                Curve cv = r.curve(k, d);
                if (cv.epochs().length == 0) {
                    continue;
                }
                double[] x = toDouble(cv.epochs());
                Color col = colour(depths, d);
                // One legend entry per depth (the test curve); the title says which line is which.
                line(c, k.id() + "-" + d + " train", x, scale(cv.trainError(), 100), col, DASHED, false)
                        .setShowInLegend(false);
                line(c, k.id() + "-" + d, x, scale(cv.testError(), 100), col, BOLD, false);
            }
            panels.add(c);
        }
        return compose(panels, 2);
    }

    /**
     * Per-layer gradient norms (log scale) against the layer index, one row per measured epoch (0 = initialisation),
     * plain nets left, ResNets right, one y range for the whole figure.
     */
    static byte[] gradientNorms(DegradationResults r) {
        List<Integer> depths = r.config().depths();
        List<Integer> epochs = r.gradientEpochs();
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (int e : epochs) {
            for (NetKind k : NetKind.values()) {
                for (int d : depths) {
                    Profile p = r.gradientNorms(k, d, e);
                    if (p != null) {
                        for (double v : p.mean()) {
                            if (v > 0) {
                                lo = Math.min(lo, v);
                                hi = Math.max(hi, v);
                            }
                        }
                    }
                }
            }
        }
        List<XYChart> panels = new ArrayList<>();
        for (int e : epochs) {
            for (NetKind k : NetKind.values()) {
                String when = e == 0 ? "at initialisation" : "after epoch " + e;
                XYChart c = chart(k.title() + " nets: gradient norm per conv layer, " + when, "layer (input side first)",
                        "||dL/dW|| (log)");
                c.getStyler().setYAxisLogarithmic(true);
                if (hi > 0) {
                    c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(lo))));
                    c.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(hi))));
                }
                layerAxis(c, maxLayers(r));
                for (int d : depths) {
                    Profile p = r.gradientNorms(k, d, e);
                    if (p != null) {
                        line(c, k.id() + "-" + d, indices(p.mean().length), positive(p.mean()), colour(depths, d), THIN, true);
                    }
                }
                panels.add(c);
            }
        }
        return compose(panels, 2);
    }

    /**
     * He et al. 2015 Fig. 7 for the last epoch with measurements: the standard deviation of each 3x3 layer's
     * response (after BN, before ReLU/add) in layer order (left) and sorted by magnitude (right); plain dashed,
     * ResNet solid, one colour per depth.
     */
    static byte[] responseStd(DegradationResults r, int epoch) {
        List<Integer> depths = r.config().depths();
        XYChart byLayer = chart("Response std per 3x3 layer after epoch " + epoch,
                "layer index (original)", "std");
        XYChart sorted = chart("The same, sorted by magnitude", "layer index (sorted by magnitude)", "std");
        layerAxis(byLayer, maxLayers(r));
        layerAxis(sorted, maxLayers(r));
        // Two kinds x the depths: too many entries for one row under the plot.
        for (XYChart c : List.of(byLayer, sorted)) {
            c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            c.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        }
        for (NetKind k : NetKind.values()) {
            for (int d : depths) {
                Profile p = r.responseStd(k, d, epoch);
                if (p == null) {
                    continue;
                }
                double[] v = p.mean();
                double[] s = v.clone();
                Arrays.sort(s);
                for (int i = 0; i < s.length / 2; i++) {
                    double t = s[i];
                    s[i] = s[s.length - 1 - i];
                    s[s.length - 1 - i] = t;
                }
                BasicStroke stroke = k == NetKind.PLAIN ? DASHED : THIN;
                String name = k.id() + "-" + d;
                line(byLayer, name, indices(v.length), v, colour(depths, d), stroke, false);
                line(sorted, name, indices(s.length), s, colour(depths, d), stroke, false);
            }
        }
        return compose(List.of(byLayer, sorted), 2);
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(PANEL_W).height(PANEL_H).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        XYStyler s = c.getStyler();
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        s.setChartTitleFont(base.deriveFont(Font.BOLD, 14f));
        s.setAxisTitleFont(base);
        s.setAxisTickLabelsFont(base.deriveFont(12f));
        s.setLegendFont(base.deriveFont(11f));
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(new Color(0x888888));
        s.setPlotGridLinesColor(new Color(0xe4e4e4));
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(new Color(0xcccccc));
        s.setChartTitleBoxVisible(false);
        s.setMarkerSize(4);
        s.setAntiAlias(true);
        s.setChartPadding(10);
        return c;
    }

    /** Epochs are integers: label whole numbers only. */
    private static void integerTicks(XYChart c) {
        c.getStyler().setxAxisTickLabelsFormattingFunction(x -> Math.abs(x - Math.rint(x)) < 1e-9
                ? String.valueOf((long) Math.rint(x)) : " ");
    }

    /** Layer indices 1..layers on an axis from 0 to a multiple of 5, so that the ticks fall on round numbers. */
    private static void layerAxis(XYChart c, int layers) {
        c.getStyler().setXAxisMin(0.0);
        c.getStyler().setXAxisMax(Math.ceil(Math.max(layers, 1) / 5.0) * 5);
        c.getStyler().setXAxisDecimalPattern("#");
    }

    /** The most layers of any network of the experiment (depth - 1 3x3 convolutions with option-A shortcuts). */
    private static int maxLayers(DegradationResults r) {
        return r.config().depths().get(r.config().depths().size() - 1) - 1;
    }

    private static XYSeries line(XYChart c, String name, double[] x, double[] y, Color col, BasicStroke stroke, boolean markers) {
        XYSeries s = c.addSeries(name, x, y);
        s.setLineColor(col);
        s.setMarkerColor(col);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setLineStyle(stroke);
        return s;
    }

    /** Panels in rows of {@code columns}, as one PNG. */
    static byte[] compose(List<XYChart> panels, int columns) {
        int rows = (panels.size() + columns - 1) / columns;
        BufferedImage out = new BufferedImage(columns * PANEL_W, rows * PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            for (int i = 0; i < panels.size(); i++) {
                BufferedImage p = BitmapEncoder.getBufferedImage(panels.get(i));
                g.drawImage(p, (i % columns) * PANEL_W, (i / columns) * PANEL_H, null);
            }
        } finally {
            g.dispose();
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(out, "png", bytes);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a PNG: " + e.getMessage(), e);
        }
    }

    private static double[] toDouble(int[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static double[] scale(double[] a, double f) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] * f;
        }
        return d;
    }

    /** 1, 2, ..., n. */
    private static double[] indices(int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = i + 1;
        }
        return d;
    }

    /** A log axis cannot show 0: a zero norm (a layer the gradient never reached) is drawn at the smallest float. */
    private static double[] positive(double[] a) {
        double[] d = a.clone();
        for (int i = 0; i < d.length; i++) {
            if (!(d[i] > 0)) {
                d[i] = Float.MIN_NORMAL;
            }
        }
        return d;
    }
}
