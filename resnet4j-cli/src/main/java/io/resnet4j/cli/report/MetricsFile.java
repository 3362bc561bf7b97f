package io.resnet4j.cli.report;

import io.resnet4j.cli.UserError;
import io.resnet4j.cli.UserFiles;
import io.resnet4j.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a run's {@code metrics.jsonl}: one JSON object per epoch with {@code epoch}, {@code train_loss},
 * {@code train_acc}, {@code test_loss}, {@code test_acc}, {@code lr}, {@code img_per_s}. Unknown keys are ignored;
 * the test fields may be missing or null for an epoch that was not evaluated.
 */
public final class MetricsFile {
    public static final String NAME = "metrics.jsonl";
    /** Far above any real run (a line is ~150 bytes); keeps a wrong file from exhausting the heap. */
    static final long MAX_BYTES = 64L << 20;

    private MetricsFile() {
    }

    public static List<EpochMetrics> read(Path file) {
        String text = readBounded(file, MAX_BYTES, "train a model first, e.g. ./resnet4j train --out DIR");
        List<EpochMetrics> rows = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            Map<String, Object> o;
            try {
                o = Json.parseObject(line);
            } catch (IllegalArgumentException e) {
                throw new UserError(where + " is not a JSON object (" + e.getMessage() + "); "
                        + "the file may be truncated: delete the line or rerun the training");
            }
            rows.add(new EpochMetrics(
                    (int) number(o, "epoch", where, false),
                    number(o, "train_loss", where, false),
                    number(o, "train_acc", where, true),
                    number(o, "test_loss", where, true),
                    number(o, "test_acc", where, true),
                    number(o, "lr", where, true),
                    number(o, "img_per_s", where, true)));
        }
        if (rows.isEmpty()) {
            throw new UserError(file + " has no epochs yet; let the training finish at least one epoch");
        }
        return rows;
    }

    private static double number(Map<String, Object> o, String key, String where, boolean optional) {
        Object v = o.get(key);
        if (v == null) {
            if (optional) {
                return Double.NaN;
            }
            throw new UserError(where + " has no \"" + key + "\"; expected the fields epoch, train_loss, train_acc, "
                    + "test_loss, test_acc, lr, img_per_s");
        }
        if (!(v instanceof Number n)) {
            throw new UserError(where + ": \"" + key + "\" must be a number, got " + Json.write(v));
        }
        return n.doubleValue();
    }

    /** Reads a UTF-8 text file of at most {@code maxBytes}; a missing file names itself and {@code hint}. */
    static String readBounded(Path file, long maxBytes, String hint) {
        try {
            UserFiles.requireFile(file, hint);
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new UserError(file + " is " + size + " bytes, more than the " + maxBytes
                        + " this reader accepts; is it the right file?");
            }
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
