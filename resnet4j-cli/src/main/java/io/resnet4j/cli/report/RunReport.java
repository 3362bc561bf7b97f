package io.resnet4j.cli.report;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.cli.UserError;
import io.resnet4j.cli.UserFiles;
import io.resnet4j.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pictures and the HTML page of a run directory: reads {@code metrics.jsonl} (required), {@code config.json}
 * and {@code confusion.json} (optional), writes {@code loss.png}, {@code accuracy.png}, {@code lr.png},
 * {@code confusion.png} and {@code report.html} (which embeds the PNGs by relative path) into the same directory.
 */
public final class RunReport {
    public static final String CONFIG_JSON = "config.json";
    public static final String HTML = "report.html";

    private RunReport() {
    }

    /** What was written. */
    public record Result(Path html, List<Path> files) {
    }

    public static Result generate(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            throw new UserError("run directory not found: " + runDir + " (give the --out directory of a training run)");
        }
        List<EpochMetrics> rows = MetricsFile.read(runDir.resolve(MetricsFile.NAME));
        Map<String, Object> config = readConfig(runDir.resolve(CONFIG_JSON));
        Path confusionFile = runDir.resolve(ConfusionMatrix.FILE_NAME);
        ConfusionMatrix confusion = Files.isRegularFile(confusionFile) ? ConfusionMatrix.read(confusionFile) : null;
        for (String name : List.of(Plots.LOSS_PNG, Plots.ACCURACY_PNG, Plots.LR_PNG, ConfusionPlot.PNG, HTML)) {
            UserFiles.requireNotDirectory(runDir.resolve(name));
        }

        List<Path> files = new ArrayList<>(Plots.write(rows, runDir));
        boolean drawn = false;
        if (confusion != null && confusion.size() <= ConfusionMatrix.MAX_DRAWN_CLASSES) {
            files.add(ConfusionPlot.write(confusion, runDir.resolve(ConfusionPlot.PNG)));
            drawn = true;
        }
        List<String> images = new ArrayList<>();
        for (Path f : files) {
            images.add(f.getFileName().toString());
        }
        String title = runDir.toAbsolutePath().normalize().getFileName() == null ? "run"
                : runDir.toAbsolutePath().normalize().getFileName().toString();
        String html = HtmlReport.render(title, config, rows, images, confusion, drawn);
        Path htmlFile = runDir.resolve(HTML);
        AtomicFiles.writeString(htmlFile, html);
        files.add(htmlFile);
        return new Result(htmlFile, files);
    }

    static Map<String, Object> readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        String text = MetricsFile.readBounded(file, 1L << 20, "");
        try {
            Map<String, Object> flat = new LinkedHashMap<>();
            flatten("", Json.parseObject(text.strip()), flat);
            return flat;
        } catch (IllegalArgumentException e) {
            throw new UserError(file + " is not a JSON object (" + e.getMessage() + "); fix or delete it");
        }
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> o, Map<String, Object> into) {
        for (Map.Entry<String, Object> e : o.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> m) {
                flatten(key, (Map<String, Object>) m, into);
            } else {
                into.put(key, e.getValue());
            }
        }
    }

    static String percent(double fraction) {
        return Double.isNaN(fraction) ? "–" : String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }
}
