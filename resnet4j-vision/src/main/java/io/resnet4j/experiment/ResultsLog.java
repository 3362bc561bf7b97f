package io.resnet4j.experiment;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code results.jsonl}: one {@link EpochRecord} per line, appended and synced as each epoch of each network
 * finishes. A line cut short by a crash at the end of the file is ignored (and removed at the next rewrite);
 * a bad line anywhere else is an error naming the file and line. When a (network, epoch) appears twice, the
 * later line wins.
 */
public final class ResultsLog {
    public static final String FILE = "results.jsonl";

    private final Path file;
    private final Map<String, EpochRecord> records = new LinkedHashMap<>();
    private boolean dirty;

    private ResultsLog(Path file) {
        this.file = file;
    }

    /** Reads the log of an experiment directory (empty when there is none yet). */
    public static ResultsLog open(Path dir) {
        ResultsLog log = new ResultsLog(dir.resolve(FILE));
        if (!Files.exists(log.file)) {
            return log;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(log.file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + log.file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                EpochRecord r = EpochRecord.fromJson(Json.parseObject(line));
                log.records.put(id(r.key(), r.epoch()), r);
            } catch (IllegalArgumentException e) {
                if (i == lines.size() - 1) {
                    log.dirty = true;      // the last line of an interrupted append
                    continue;
                }
                throw new IllegalArgumentException(log.file + " line " + (i + 1) + " is not a results record: "
                        + e.getMessage() + " (repair or delete the line; the runs' checkpoints are kept under runs/)", e);
            }
        }
        if (log.dirty) {
            log.rewrite();
        }
        return log;
    }

    public Path file() {
        return file;
    }

    /** Every record in file order (a repeated network and epoch at its last position's value). */
    public List<EpochRecord> records() {
        return new ArrayList<>(records.values());
    }

    public EpochRecord get(RunKey key, int epoch) {
        return records.get(id(key, epoch));
    }

    /** The highest epoch recorded for a network, or -1. */
    public int lastEpoch(RunKey key) {
        int last = -1;
        for (EpochRecord r : records.values()) {
            if (r.key().equals(key)) {
                last = Math.max(last, r.epoch());
            }
        }
        return last;
    }

    /** Appends a record and syncs the file. */
    public void append(EpochRecord r) {
        AtomicFiles.appendLine(file, Json.write(r.toJson()));
        records.remove(id(r.key(), r.epoch()));
        records.put(id(r.key(), r.epoch()), r);
    }

    /** Drops the records that match and rewrites the file atomically (when anything was dropped). */
    public void removeIf(Predicate<EpochRecord> drop) {
        if (records.values().removeIf(drop)) {
            rewrite();
        }
    }

    private void rewrite() {
        StringBuilder b = new StringBuilder();
        for (EpochRecord r : records.values()) {
            b.append(Json.write(r.toJson())).append('\n');
        }
        AtomicFiles.writeString(file, b.toString());
        dirty = false;
    }

    private static String id(RunKey key, int epoch) {
        return key.dirName() + "@" + epoch;
    }
}
