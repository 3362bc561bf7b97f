package io.resnet4j.cli.report;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.cli.UserError;
import io.resnet4j.io.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts of (true class, predicted class) over a test set: {@code counts[t][p]}. Stored beside a run as
 * {@code confusion.json}: {@code {"classes": [...], "matrix": [[...], ...]}}.
 */
public record ConfusionMatrix(List<String> classes, long[][] counts) {
    public static final String FILE_NAME = "confusion.json";
    /** More classes than this make an unreadable picture (ImageNet's 1000); such matrices are not drawn. */
    public static final int MAX_DRAWN_CLASSES = 40;

    public ConfusionMatrix {
        classes = List.copyOf(classes);
        int k = classes.size();
        if (k == 0) {
            throw new IllegalArgumentException("a confusion matrix needs at least one class");
        }
        if (counts.length != k) {
            throw new IllegalArgumentException("confusion matrix has " + counts.length + " rows for " + k + " classes");
        }
        for (long[] row : counts) {
            if (row.length != k) {
                throw new IllegalArgumentException("confusion matrix row has " + row.length + " columns for " + k
                        + " classes");
            }
            for (long c : row) {
                if (c < 0) {
                    throw new IllegalArgumentException("confusion matrix has a negative count " + c);
                }
            }
        }
    }

    /** An empty matrix to fill with {@link #add}. */
    public static ConfusionMatrix empty(List<String> classes) {
        return new ConfusionMatrix(classes, new long[classes.size()][classes.size()]);
    }

    public void add(int trueClass, int predictedClass) {
        counts[trueClass][predictedClass]++;
    }

    public int size() {
        return classes.size();
    }

    public long total() {
        long n = 0;
        for (long[] row : counts) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    /** Fraction of examples on the diagonal (NaN for an empty matrix). */
    public double accuracy() {
        long right = 0;
        for (int i = 0; i < counts.length; i++) {
            right += counts[i][i];
        }
        long n = total();
        return n == 0 ? Double.NaN : (double) right / n;
    }

    /** Accuracy of class {@code c}: its diagonal count over its row (NaN when the class has no examples). */
    public double classAccuracy(int c) {
        long row = 0;
        for (long v : counts[c]) {
            row += v;
        }
        return row == 0 ? Double.NaN : (double) counts[c][c] / row;
    }

    public String toJson() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("classes", classes);
        List<Object> rows = new ArrayList<>();
        for (long[] row : counts) {
            List<Object> r = new ArrayList<>();
            for (long c : row) {
                r.add(c);
            }
            rows.add(r);
        }
        o.put("matrix", rows);
        return Json.write(o);
    }

    public void write(Path file) {
        AtomicFiles.writeString(file, toJson() + "\n");
    }

    public static ConfusionMatrix read(Path file) {
        String text = MetricsFile.readBounded(file, 64L << 20, "it is written by ./resnet4j train and eval");
        try {
            Map<String, Object> o = Json.parseObject(text.strip());
            List<String> classes = new ArrayList<>();
            for (Object c : list(o.get("classes"), "classes")) {
                classes.add(String.valueOf(c));
            }
            List<Object> rows = list(o.get("matrix"), "matrix");
            long[][] counts = new long[rows.size()][];
            for (int i = 0; i < counts.length; i++) {
                List<Object> row = list(rows.get(i), "matrix row");
                counts[i] = new long[row.size()];
                for (int j = 0; j < counts[i].length; j++) {
                    if (!(row.get(j) instanceof Long v)) {
                        throw new IllegalArgumentException("matrix entries must be integers, got " + row.get(j));
                    }
                    counts[i][j] = v;
                }
            }
            return new ConfusionMatrix(classes, counts);
        } catch (IllegalArgumentException e) {
            throw new UserError(file + " is not a valid confusion matrix (" + e.getMessage()
                    + "); delete it or rerun ./resnet4j eval");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object v, String what) {
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("\"" + what + "\" must be a JSON array");
        }
        return (List<Object>) v;
    }
}
