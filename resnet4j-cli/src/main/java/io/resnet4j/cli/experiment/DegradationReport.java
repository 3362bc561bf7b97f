package io.resnet4j.cli.experiment;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.experiment.DegradationConfig;
import io.resnet4j.experiment.DegradationResults;
import io.resnet4j.experiment.NetKind;
import io.resnet4j.experiment.RunKey;
import io.resnet4j.io.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of a degradation experiment, rebuilt from its directory's files: {@code report/errors.png} (Fig. 6),
 * {@code report/gradient-norms.png}, {@code report/response-std.png} (Fig. 7), {@code report/report.md} (the
 * table and the figures) and {@code report/report.html} (the same as a page). Works on a finished, running or
 * interrupted experiment alike: unfinished networks are marked in the table.
 */
public final class DegradationReport {
    public static final String DIR = "report";
    public static final String ERRORS_PNG = "errors.png";
    public static final String GRADIENTS_PNG = "gradient-norms.png";
    public static final String RESPONSES_PNG = "response-std.png";
    public static final String MARKDOWN = "report.md";
    public static final String HTML = "report.html";

    private DegradationReport() {
    }

    /** Writes the report of the experiment in {@code experimentDir}; returns the files written. */
    public static List<Path> write(Path experimentDir) {
        DegradationResults r = DegradationResults.load(experimentDir);
        Path out = experimentDir.resolve(DIR);
        List<Path> written = new ArrayList<>();
        List<String[]> figures = new ArrayList<>();
        if (!r.records().isEmpty()) {
            written.add(save(out.resolve(ERRORS_PNG), ExperimentPlots.errors(r)));
            figures.add(new String[] {ERRORS_PNG, "Training error (dashed) and test error (bold) per epoch: plain nets "
                    + "left, ResNets right (He et al. 2015 Fig. 6), mean over seeds."});
        }
        if (!r.gradientEpochs().isEmpty()) {
            written.add(save(out.resolve(GRADIENTS_PNG), ExperimentPlots.gradientNorms(r)));
            figures.add(new String[] {GRADIENTS_PNG, "L2 norm of each conv layer's weight gradient (mean loss over "
                    + r.config().probeImages() + " training images, training mode), input side first: at "
                    + "initialisation and after the probed epochs; plain left, ResNet right."});
        }
        List<Integer> responseEpochs = r.responseEpochs();
        if (!responseEpochs.isEmpty()) {
            int last = responseEpochs.get(responseEpochs.size() - 1);
            written.add(save(out.resolve(RESPONSES_PNG), ExperimentPlots.responseStd(r, last)));
            figures.add(new String[] {RESPONSES_PNG, "Standard deviation of each 3x3 layer's response (BN output, before "
                    + "ReLU/addition) over the test set in eval mode after epoch " + last
                    + ", in layer order and sorted (He et al. 2015 Fig. 7)."});
        }
        String md = markdown(r, figures);
        AtomicFiles.writeString(out.resolve(MARKDOWN), md);
        written.add(out.resolve(MARKDOWN));
        AtomicFiles.writeString(out.resolve(HTML), html(r, figures));
        written.add(out.resolve(HTML));
        return written;
    }

    private static Path save(Path file, byte[] png) {
        AtomicFiles.write(file, png);
        return file;
    }

    /** One line describing the data and recipe. */
    static String setup(DegradationResults r) {
        DegradationConfig c = r.config();
        Map<String, Object> d = r.data();
        return String.format(Locale.ROOT, "%s, %s training / %s test images of %sx%sx%s; %d epochs, batch %d, SGD lr %s (%s), "
                        + "momentum %s, weight decay %s, augmentation %s; seeds %s",
                d.get("id"), d.get("train_images"), d.get("test_images"), d.get("channels"), d.get("height"), d.get("width"),
                c.epochs(), c.batchSize(), num(c.lr()), scheduleText(c), num(c.momentum()), num(c.weightDecay()),
                c.augment() ? "pad 4 + random crop + flip" : "off", c.seeds());
    }

    private static String scheduleText(DegradationConfig c) {
        return switch (c.schedule()) {
            case STEP -> c.epochs() < 3 ? "constant" : "÷10 at 50% and 75% of the epochs";
            case COSINE -> "cosine to 0";
            case CONSTANT -> "constant";
        };
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Networks not finished yet, e.g. "plain56 (seed 2)". */
    static List<String> unfinished(DegradationResults r) {
        List<String> out = new ArrayList<>();
        for (RunKey k : r.config().runs()) {
            if (!r.finished(k)) {
                out.add(k.toString());
            }
        }
        return out;
    }

    static String markdown(DegradationResults r, List<String[]> figures) {
        StringBuilder b = new StringBuilder();
        b.append("# Plain vs residual: the degradation experiment\n\n");
        b.append(setup(r)).append(".\n\n");
        b.append("Final training and test error (%), mean ± sample std over seeds:\n\n");
        b.append(r.markdownTable()).append('\n');
        List<String> open = unfinished(r);
        if (!open.isEmpty()) {
            b.append("Not finished yet: ").append(String.join(", ", open)).append(".\n\n");
        }
        for (String[] f : figures) {
            b.append("![").append(f[0]).append("](").append(f[0]).append(")\n\n").append(f[1]).append("\n\n");
        }
        return b.toString();
    }

    static String html(DegradationResults r, List<String[]> figures) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>resnet4j: plain vs residual</title>\n<style>\n")
                .append("body{font-family:-apple-system,'Segoe UI','DejaVu Sans',sans-serif;max-width:1300px;margin:2em auto;")
                .append("padding:0 1em;color:#222}\nh1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;")
                .append("border-bottom:1px solid #ddd}\ntable{border-collapse:collapse;margin:.5em 0}")
                .append("td,th{padding:.25em .8em;border:1px solid #ddd;text-align:right}th{background:#f4f4f4}\n")
                .append("img{max-width:100%;border:1px solid #eee;margin:.4em 0}\n.cap{color:#555}\n")
                .append("</style>\n</head>\n<body>\n");
        h.append("<h1>Plain vs residual: the degradation experiment</h1>\n<p>").append(esc(setup(r))).append(".</p>\n");
        h.append("<h2>Final error</h2>\n<p class=\"cap\">Training and test error (%) after the last epoch, mean ± sample std "
                + "over seeds.</p>\n<table>\n<tr><th>depth</th><th>plain train</th><th>plain test</th><th>ResNet train</th>"
                + "<th>ResNet test</th></tr>\n");
        for (int d : r.config().depths()) {
            DegradationResults.Final p = r.finalErrors(NetKind.PLAIN, d);
            DegradationResults.Final q = r.finalErrors(NetKind.RESIDUAL, d);
            h.append("<tr><td>").append(d).append("</td><td>").append(esc(r.cell(p.trainError()))).append("</td><td>")
                    .append(esc(r.cell(p.testError()))).append("</td><td>").append(esc(r.cell(q.trainError())))
                    .append("</td><td>").append(esc(r.cell(q.testError()))).append("</td></tr>\n");
        }
        h.append("</table>\n");
        List<String> open = unfinished(r);
        if (!open.isEmpty()) {
            h.append("<p>Not finished yet: ").append(esc(String.join(", ", open))).append(".</p>\n");
        }
        h.append("<h2>Figures</h2>\n");
        for (String[] f : figures) {
            h.append("<p><img src=\"").append(esc(f[0])).append("\" alt=\"").append(esc(f[0])).append("\"></p>\n")
                    .append("<p class=\"cap\">").append(esc(f[1])).append("</p>\n");
        }
        h.append("<h2>Configuration</h2>\n<pre>").append(esc(Json.write(r.config().describe()))).append("</pre>\n");
        h.append("<p class=\"cap\">Rebuilt from <code>experiment.json</code> and <code>results.jsonl</code>; "
                + String.format(Locale.ROOT, "%.0f s of training, evaluation and probes recorded.", r.computeSeconds()))
                .append("</p>\n</body>\n</html>\n");
        return h.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
