package io.resnet4j.experiment;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.data.ArrayDataset;
import io.resnet4j.data.Augmentation;
import io.resnet4j.data.DataLoader;
import io.resnet4j.data.LoaderConfig;
import io.resnet4j.experiment.LayerProbes.LayerValues;
import io.resnet4j.io.Json;
import io.resnet4j.io.Safetensors;
import io.resnet4j.models.ResNet;
import io.resnet4j.nn.Sequential;
import io.resnet4j.train.BatchProgress;
import io.resnet4j.train.CheckpointPolicy;
import io.resnet4j.train.EpochMetrics;
import io.resnet4j.train.TrainConfig;
import io.resnet4j.train.TrainListener;
import io.resnet4j.train.Trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Runs the plain-vs-residual depth experiment: for every seed and depth, trains the plain net and its residual
 * twin with the same recipe (a {@link Trainer} per network, checkpointing every epoch under
 * {@code runs/<net>-seed<s>/}), and appends one {@link EpochRecord} per finished epoch to {@code results.jsonl},
 * with the per-layer gradient norms at initialisation and, at the configuration's probe epochs, the gradient
 * norms and the per-layer response deviations ({@link LayerProbes}).
 *
 * <p><b>Resume.</b> Running again in the same directory with the same recipe skips finished networks, continues
 * an interrupted one from its last checkpoint (bitwise the uninterrupted run: the trainer's exact resume, and
 * the probes change nothing), and recomputes a record lost between the checkpoint and its line. Depths and
 * seeds may be added to an existing experiment; a different recipe is refused.
 */
public final class DegradationExperiment {
    public static final String CONFIG_FILE = "experiment.json";
    public static final String RUNS_DIR = "runs";
    public static final String FORMAT = "resnet4j-degradation-1";

    /** Progress of an experiment, on the training thread. */
    public interface Listener {
        /** Before a network trains; {@code fromEpoch} > 0 when it resumes. */
        default void onRunStart(RunKey key, int index, int total, int fromEpoch) {
        }

        /** A network whose results are complete is not trained again. */
        default void onRunSkipped(RunKey key, int index, int total) {
        }

        default void onBatch(RunKey key, BatchProgress progress) {
        }

        /** After each record is written (epoch 0 is the initialisation probe). */
        default void onEpoch(EpochRecord record) {
        }
    }

    private final DegradationConfig config;
    private final ExperimentData data;
    private final ArrayDataset probeImages;

    /** An experiment on {@code data}, reduced to the configuration's subsets. */
    public DegradationExperiment(DegradationConfig config, ExperimentData data) {
        this.config = Objects.requireNonNull(config, "config");
        this.data = Objects.requireNonNull(data, "data").select(config.trainSubset(), config.testSubset());
        if (this.data.train().size() < 2 || this.data.test().size() < 1) {
            throw new IllegalArgumentException("the experiment needs at least 2 training and 1 test image, got "
                    + this.data.train().size() + " and " + this.data.test().size());
        }
        this.probeImages = ExperimentData.head(this.data.train(), config.probeImages());
    }

    public DegradationConfig config() {
        return config;
    }

    /** The data actually used (after the subsets). */
    public ExperimentData data() {
        return data;
    }

    /** Trains every network that is not finished; returns the results read back from the directory. */
    public DegradationResults run(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        writeOrCheckConfig();
        ResultsLog log = ResultsLog.open(config.outDir());
        List<RunKey> runs = config.runs();
        for (int i = 0; i < runs.size(); i++) {
            RunKey key = runs.get(i);
            if (log.get(key, config.epochs()) != null) {
                listener.onRunSkipped(key, i, runs.size());
                continue;
            }
            train(key, i, runs.size(), log, listener);
        }
        return DegradationResults.load(config.outDir());
    }

    /** The directory of one network's trainer (checkpoints, metrics.jsonl). */
    public Path runDir(RunKey key) {
        return config.outDir().resolve(RUNS_DIR).resolve(key.dirName());
    }

    private void train(RunKey key, int index, int total, ResultsLog log, Listener listener) {
        Path dir = runDir(key);
        Path last = dir.resolve(Trainer.LAST);
        Sequential net = ResNet.build(key.kind().spec(key.depth(), data.train().channels(), data.numClasses()));
        TrainConfig tc = TrainConfig.builder(dir).epochs(config.epochs()).batchSize(config.batchSize())
                .schedule(config.lrSchedule()).sgd(config.sgd()).seed(key.seed())
                .checkpoints(new CheckpointPolicy(true, false, 0)).build();
        Augmentation norm = Augmentation.normalizeOnly(data.train().height(), data.train().width(), data.normalization());
        Augmentation aug = config.augment() ? Augmentation.padCropFlip(data.train().height(), 4, data.normalization()) : norm;
        if (config.augment() && data.train().height() != data.train().width()) {
            throw new IllegalArgumentException("pad-crop augmentation needs square images, got "
                    + data.train().height() + "x" + data.train().width() + " (turn augmentation off)");
        }
        try (DataLoader train = new DataLoader(data.train(), aug, LoaderConfig.train(config.batchSize(), key.seed()));
             DataLoader test = new DataLoader(data.test(), norm, LoaderConfig.eval(config.batchSize()));
             DataLoader probe = new DataLoader(probeImages, norm, LoaderConfig.eval(config.batchSize()))) {
            Trainer trainer = new Trainer(net, tc, train, test);
            int from = 0;
            if (Files.exists(last)) {
                trainer.resumeFrom(last);
                from = checkpointEpoch(last);
                final int done = from;
                log.removeIf(r -> r.key().equals(key) && r.epoch() > done);
                if (log.get(key, 0) == null) {
                    EpochRecord r = initialProbe(key, probe);
                    log.append(r);
                    listener.onEpoch(r);
                }
                if (from > 0 && log.get(key, from) == null) {
                    // The checkpoint was written but the process stopped before the epoch's record: the module holds
                    // exactly the state after that epoch, so the probes are the ones the lost line would have had.
                    EpochMetrics m = checkpointMetrics(last);
                    EpochRecord r = record(key, m, net, probe, test);
                    log.append(r);
                    listener.onEpoch(r);
                }
            } else {
                clearStaleRun(dir);
                log.removeIf(r -> r.key().equals(key) && r.epoch() > 0);
                if (log.get(key, 0) == null) {
                    EpochRecord r = initialProbe(key, probe);
                    log.append(r);
                    listener.onEpoch(r);
                }
            }
            listener.onRunStart(key, index, total, from);
            trainer.addListener(new TrainListener() {
                @Override
                public void onBatch(BatchProgress p) {
                    listener.onBatch(key, p);
                }

                @Override
                public void onEpoch(EpochMetrics m) {
                    EpochRecord r = record(key, m, net, probe, test);
                    log.append(r);
                    listener.onEpoch(r);
                }
            });
            trainer.fit();
        }
    }

    /** The gradient norms of the freshly initialised network (the trainer initialises it from the same seed). */
    private EpochRecord initialProbe(RunKey key, DataLoader probe) {
        Sequential fresh = ResNet.build(key.kind().spec(key.depth(), data.train().channels(), data.numClasses()));
        fresh.initialize(key.seed());
        long t0 = System.nanoTime();
        LayerValues g = LayerProbes.gradientNorms(fresh, probe);
        double sec = (System.nanoTime() - t0) / 1e9;
        return new EpochRecord(key, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, sec, g, null);
    }

    private EpochRecord record(RunKey key, EpochMetrics m, Sequential net, DataLoader probe, DataLoader test) {
        LayerValues g = null, s = null;
        long t0 = System.nanoTime();
        if (config.probeEpochs().contains(m.epoch())) {
            g = LayerProbes.gradientNorms(net, probe);
            s = LayerProbes.responseStd(net, test);
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        return new EpochRecord(key, m.epoch(), 1 - m.trainAcc(), 1 - m.testAcc(), m.trainLoss(), m.testLoss(), m.lr(),
                m.trainTimeSec(), m.evalTimeSec(), sec, g, s);
    }

    /** Files of a run that never reached its first checkpoint: it starts again from scratch. */
    private static void clearStaleRun(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(Trainer.METRICS));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir + ": " + e.getMessage(), e);
        }
    }

    private static int checkpointEpoch(Path last) {
        try (Safetensors.Reader r = Safetensors.open(last)) {
            return Integer.parseInt(r.metadata().get("epoch"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(last + " has no valid epoch in its metadata", e);
        }
    }

    private static EpochMetrics checkpointMetrics(Path last) {
        try (Safetensors.Reader r = Safetensors.open(last)) {
            Map<String, Object> m = Json.parseObject(r.metadata().get("metrics"));
            return new EpochMetrics(((Number) m.get("epoch")).intValue(), ((Number) m.get("step")).longValue(),
                    num(m, "train_loss"), num(m, "train_acc"), num(m, "test_loss"), num(m, "test_acc"), num(m, "lr"),
                    num(m, "img_per_s"), num(m, "train_time_s"), num(m, "data_wait_s"), num(m, "eval_time_s"),
                    num(m, "wall_time_s"), num(m, "best_test_acc"), String.valueOf(m.get("eval_weights")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(last + ": cannot read the epoch's metrics from its metadata: " + e.getMessage(), e);
        }
    }

    private static double num(Map<String, Object> m, String k) {
        return m.get(k) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /**
     * Writes {@code experiment.json}, or checks the existing one has the same recipe and data; depths and seeds
     * are merged, so results of earlier invocations stay part of the experiment.
     */
    private void writeOrCheckConfig() {
        Path f = config.outDir().resolve(CONFIG_FILE);
        List<Integer> depths = new ArrayList<>(config.depths());
        List<Long> seeds = new ArrayList<>(config.seeds());
        Map<String, Object> dataDesc = dataDescription();
        if (Files.exists(f)) {
            Map<String, Object> old;
            try {
                old = Json.parseObject(Files.readString(f, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f + " is not valid JSON (" + e.getMessage() + "); delete it or use another directory", e);
            }
            if (!FORMAT.equals(old.get("format")) || !(old.get("config") instanceof Map<?, ?> oldConfig)) {
                throw new IllegalArgumentException(f + " is not a resnet4j degradation experiment; use another directory");
            }
            DegradationConfig before = DegradationConfig.fromDescription(oldConfig, config.outDir());
            List<String> diff = new ArrayList<>();
            diff(Json.parseObject(Json.write(before.recipe())), Json.parseObject(Json.write(config.recipe())), diff);
            diff(old.get("data") instanceof Map<?, ?> d ? d : Map.of(), Json.parseObject(Json.write(dataDesc)), diff);
            if (!diff.isEmpty()) {
                throw new IllegalArgumentException(config.outDir() + " holds an experiment with another recipe or data: "
                        + String.join("; ", diff) + " (run with the same options to resume it, or choose another output directory)");
            }
            TreeSet<Integer> d = new TreeSet<>(before.depths());
            d.addAll(depths);
            depths = new ArrayList<>(d);
            List<Long> s = new ArrayList<>(before.seeds());
            for (long seed : seeds) {
                if (!s.contains(seed)) {
                    s.add(seed);
                }
            }
            seeds = s;
        }
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("format", FORMAT);
        top.put("data", dataDesc);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("depths", depths);
        c.put("seeds", seeds);
        c.putAll(config.recipe());
        top.put("config", c);
        AtomicFiles.writeString(f, Json.write(top) + "\n");
    }

    private Map<String, Object> dataDescription() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", data.id());
        m.put("train_images", data.train().size());
        m.put("test_images", data.test().size());
        m.put("channels", data.train().channels());
        m.put("height", data.train().height());
        m.put("width", data.train().width());
        m.put("classes", data.numClasses());
        return m;
    }

    private static void diff(Map<?, ?> before, Map<String, Object> now, List<String> out) {
        for (String k : now.keySet()) {
            if (!Objects.equals(before.get(k), now.get(k))) {
                out.add(k + " was " + Json.write(before.get(k)) + ", now " + Json.write(now.get(k)));
            }
        }
    }
}
