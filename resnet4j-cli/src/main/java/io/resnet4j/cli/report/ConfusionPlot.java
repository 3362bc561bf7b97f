package io.resnet4j.cli.report;

import io.resnet4j.io.AtomicFiles;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A confusion matrix as a PNG heat map: rows are the true classes, columns the predictions, each cell shows its
 * count and is shaded by its share of the row (so a class's recall reads along the diagonal whatever its size).
 */
public final class ConfusionPlot {
    public static final String PNG = "confusion.png";

    private static final Color LOW = new Color(0xf7fbff);
    private static final Color HIGH = new Color(0x08306b);

    private ConfusionPlot() {
    }

    /** Draws {@code m} into {@code file}; the matrix must have at most {@link ConfusionMatrix#MAX_DRAWN_CLASSES}. */
    public static Path write(ConfusionMatrix m, Path file) {
        if (m.size() > ConfusionMatrix.MAX_DRAWN_CLASSES) {
            throw new IllegalArgumentException("a confusion matrix of " + m.size() + " classes is too large to draw (at most "
                    + ConfusionMatrix.MAX_DRAWN_CLASSES + ")");
        }
        BufferedImage img = render(m);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + file + ": " + e.getMessage(), e);
        }
        AtomicFiles.write(file, bytes.toByteArray());
        return file;
    }

    static BufferedImage render(ConfusionMatrix m) {
        int k = m.size();
        int cell = Math.max(28, Math.min(64, 640 / k));
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(11, Math.min(14, cell / 4 + 2)));
        Font countFont = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(9, Math.min(13, cell / 4)));
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 17);
        Font axisFont = new Font(Font.SANS_SERIF, Font.PLAIN, 14);

        // Measure the class labels to size the margins.
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics lm = pg.getFontMetrics(labelFont);
        int labelW = 0;
        for (String c : m.classes()) {
            labelW = Math.max(labelW, lm.stringWidth(c));
        }
        pg.dispose();

        int pad = 16;
        int left = pad + 24 + labelW + 10;
        int top = pad + 40;
        int grid = cell * k;
        // Column labels are written at 45 degrees below the grid.
        int bottom = (int) Math.ceil(labelW * Math.sqrt(0.5)) + lm.getHeight() + 40;
        int width = left + grid + pad;
        int height = top + grid + bottom;

        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);

        g.setColor(Color.BLACK);
        g.setFont(titleFont);
        String title = String.format(Locale.ROOT, "Confusion matrix (%,d examples, accuracy %.2f%%)",
                m.total(), 100 * m.accuracy());
        if (Double.isNaN(m.accuracy())) {
            title = "Confusion matrix (no examples)";
        }
        FontMetrics tm = g.getFontMetrics();
        g.drawString(title, Math.max(pad, (width - tm.stringWidth(title)) / 2), pad + tm.getAscent());

        FontMetrics cm = g.getFontMetrics(countFont);
        for (int t = 0; t < k; t++) {
            long rowSum = 0;
            for (long v : m.counts()[t]) {
                rowSum += v;
            }
            for (int p = 0; p < k; p++) {
                long v = m.counts()[t][p];
                double share = rowSum == 0 ? 0 : (double) v / rowSum;
                g.setColor(mix(LOW, HIGH, Math.sqrt(share)));
                int x = left + p * cell;
                int y = top + t * cell;
                g.fillRect(x, y, cell, cell);
                g.setColor(new Color(0xdddddd));
                g.drawRect(x, y, cell, cell);
                String s = Long.toString(v);
                g.setFont(countFont);
                g.setColor(Math.sqrt(share) > 0.55 ? Color.WHITE : Color.BLACK);
                if (cm.stringWidth(s) <= cell - 2) {
                    g.drawString(s, x + (cell - cm.stringWidth(s)) / 2, y + (cell + cm.getAscent() - cm.getDescent()) / 2);
                }
            }
        }
        g.setColor(new Color(0x888888));
        g.drawRect(left, top, grid, grid);

        g.setFont(labelFont);
        g.setColor(Color.BLACK);
        for (int i = 0; i < k; i++) {
            String c = m.classes().get(i);
            // Row labels, right-aligned against the grid.
            g.drawString(c, left - 8 - lm.stringWidth(c), top + i * cell + (cell + lm.getAscent() - lm.getDescent()) / 2);
            // Column labels at 45 degrees, each ending just under its column's centre.
            AffineTransform saved = g.getTransform();
            g.translate(left + i * cell + cell / 2.0, top + grid + 6);
            g.rotate(Math.toRadians(-45));
            g.drawString(c, -lm.stringWidth(c), lm.getAscent() / 2);
            g.setTransform(saved);
        }

        g.setFont(axisFont);
        FontMetrics am = g.getFontMetrics();
        String xTitle = "predicted class";
        g.drawString(xTitle, left + (grid - am.stringWidth(xTitle)) / 2, height - pad);
        String yTitle = "true class";
        AffineTransform saved = g.getTransform();
        g.translate(pad + am.getAscent(), top + (grid + am.stringWidth(yTitle)) / 2.0);
        g.rotate(-Math.PI / 2);
        g.drawString(yTitle, 0, 0);
        g.setTransform(saved);
        g.dispose();
        return img;
    }

    private static Color mix(Color a, Color b, double t) {
        return new Color(
                (int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
                (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
    }
}
