package io.resnet4j.cli.report;

import io.resnet4j.cli.progress.Format;
import io.resnet4j.io.Json;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A self-contained HTML page for a run: summary, configuration, plots (relative paths), per-class accuracy, metrics. */
final class HtmlReport {
    private HtmlReport() {
    }

    static String render(String title, Map<String, Object> config, List<EpochMetrics> rows, List<String> images,
                         ConfusionMatrix confusion, boolean confusionDrawn) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>resnet4j run ").append(esc(title)).append("</title>\n")
                .append("<style>\n")
                .append("body{font-family:-apple-system,'Segoe UI','DejaVu Sans',sans-serif;max-width:1100px;")
                .append("margin:2em auto;padding:0 1em;color:#222}\n")
                .append("h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}\n")
                .append("table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .8em;border:1px solid #ddd;")
                .append("text-align:right}th{background:#f4f4f4}td.k{text-align:left;font-family:monospace}td.v{text-align:left}\n")
                .append(".plots{display:flex;flex-wrap:wrap;gap:.6em}.plots img{max-width:100%;border:1px solid #eee}\n")
                .append("footer{margin-top:2em;color:#888;font-size:.85em}\n")
                .append("</style>\n</head>\n<body>\n");
        h.append("<h1>resnet4j run: ").append(esc(title)).append("</h1>\n");

        EpochMetrics last = rows.get(rows.size() - 1);
        EpochMetrics best = null;
        double speedSum = 0;
        int speedN = 0;
        for (EpochMetrics r : rows) {
            if (r.hasTest() && (best == null || r.testAcc() > best.testAcc())) {
                best = r;
            }
            if (Double.isFinite(r.imagesPerSecond())) {
                speedSum += r.imagesPerSecond();
                speedN++;
            }
        }
        h.append("<h2>Summary</h2>\n<table>\n");
        row(h, "epochs", Integer.toString(last.epoch()));
        row(h, "final test accuracy", RunReport.percent(last.testAcc()));
        if (best != null) {
            row(h, "best test accuracy", RunReport.percent(best.testAcc()) + " (epoch " + best.epoch() + ")");
        }
        row(h, "final test loss", num(last.testLoss()));
        row(h, "final train loss", num(last.trainLoss()));
        row(h, "final train accuracy", RunReport.percent(last.trainAcc()));
        if (speedN > 0) {
            row(h, "mean training speed", String.format(Locale.ROOT, "%.1f img/s", speedSum / speedN));
        }
        h.append("</table>\n");

        if (!config.isEmpty()) {
            h.append("<h2>Configuration</h2>\n<table>\n");
            for (Map.Entry<String, Object> e : config.entrySet()) {
                Object v = e.getValue();
                if (v != null) {
                    h.append("<tr><td class=\"k\">").append(esc(e.getKey())).append("</td><td class=\"v\">")
                            .append(esc(v instanceof String s ? s : Json.write(v))).append("</td></tr>\n");
                }
            }
            h.append("</table>\n");
        }

        h.append("<h2>Plots</h2>\n<div class=\"plots\">\n");
        for (String img : images) {
            h.append("<img src=\"").append(esc(img)).append("\" alt=\"").append(esc(img)).append("\">\n");
        }
        h.append("</div>\n");

        if (confusion != null) {
            h.append("<h2>Per-class accuracy</h2>\n");
            if (!confusionDrawn) {
                h.append("<p>The confusion matrix has ").append(confusion.size())
                        .append(" classes, too many to draw; it is in <code>confusion.json</code>.</p>\n");
            }
            h.append("<table>\n<tr><th>class</th><th>examples</th><th>accuracy</th></tr>\n");
            for (int c = 0; c < confusion.size(); c++) {
                long n = 0;
                for (long v : confusion.counts()[c]) {
                    n += v;
                }
                h.append("<tr><td class=\"k\">").append(esc(confusion.classes().get(c))).append("</td><td>")
                        .append(n).append("</td><td>").append(RunReport.percent(confusion.classAccuracy(c)))
                        .append("</td></tr>\n");
            }
            h.append("</table>\n");
        }

        h.append("<h2>Metrics per epoch</h2>\n<table>\n<tr><th>epoch</th><th>train loss</th><th>train acc</th>")
                .append("<th>test loss</th><th>test acc</th><th>lr</th><th>img/s</th></tr>\n");
        for (EpochMetrics r : rows) {
            h.append("<tr><td>").append(r.epoch()).append("</td><td>").append(num(r.trainLoss()))
                    .append("</td><td>").append(RunReport.percent(r.trainAcc()))
                    .append("</td><td>").append(num(r.testLoss()))
                    .append("</td><td>").append(RunReport.percent(r.testAcc()))
                    .append("</td><td>").append(Double.isNaN(r.lr()) ? "–" : Format.lr(r.lr()))
                    .append("</td><td>").append(Double.isNaN(r.imagesPerSecond()) ? "–"
                            : String.format(Locale.ROOT, "%.1f", r.imagesPerSecond()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
        h.append("<footer>Written by resnet4j on ")
                .append(esc(ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME)))
                .append(" from <code>metrics.jsonl</code>; regenerate with <code>./resnet4j report DIR</code>.</footer>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void row(StringBuilder h, String key, String value) {
        h.append("<tr><td class=\"k\">").append(esc(key)).append("</td><td>").append(esc(value)).append("</td></tr>\n");
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
