package io.resnet4j.train;

import io.resnet4j.io.AtomicFiles;
import io.resnet4j.io.CheckpointException;
import io.resnet4j.io.Json;
import io.resnet4j.io.ModuleState;
import io.resnet4j.io.Safetensors;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.nn.CrossEntropyLoss;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Parameter;
import io.resnet4j.optim.Ema;
import io.resnet4j.optim.Sgd;
import io.resnet4j.optim.Timeline;
import io.resnet4j.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains a module with SGD on a training {@link BatchSource}, evaluating on a test source.
 *
 * <p>Per iteration: learning rate (and momentum) from the schedule, forward in training mode, cross-entropy,
 * a finiteness check of the loss, backward, a finiteness check of every gradient (the first non-finite one is
 * named in a {@link TrainingDivergedException}), the SGD step, the EMA update. Per epoch: evaluation in eval
 * mode (running statistics; the EMA weights when EMA is on), then back to training mode; the checkpoints of the
 * {@link CheckpointPolicy}; one JSON line in {@code metrics.jsonl}; the listeners.
 *
 * <p>Exact resume: {@link #resumeFrom} loads a {@code last.safetensors} (weights, BN statistics and
 * num_batches_tracked, momentum buffers and step, EMA, epoch, best accuracy), and {@link #fit} continues with
 * the next epoch, giving bitwise the weights of an uninterrupted run. The schedule is a function of the step
 * and the data order a function of (seed, epoch), so nothing else needs saving.
 */
public final class Trainer {
    public static final String METRICS = "metrics.jsonl";
    public static final String LAST = "last.safetensors";
    public static final String BEST = "best.safetensors";

    private final Module module;
    private final TrainConfig config;
    private final BatchSource train, test;
    private final Timeline timeline;
    private final Sgd sgd;
    private final CrossEntropyLoss criterion;
    private final String[] paramNames;
    private final Parameter[] params;
    private final List<TrainListener> listeners = new ArrayList<>();
    private Ema ema;
    private int startEpoch;
    private double bestTestAcc = Double.NaN;
    private int bestEpoch;
    private double priorWallSec;
    private boolean resumed, used;
    private volatile boolean stopRequested;

    public Trainer(Module module, TrainConfig config, BatchSource train, BatchSource test) {
        this.module = Objects.requireNonNull(module, "module");
        this.config = Objects.requireNonNull(config, "config");
        this.train = Objects.requireNonNull(train, "train source");
        this.test = Objects.requireNonNull(test, "test source");
        int batches = train.batchesPerEpoch();
        int n = train.size(), b = config.batchSize();
        if (batches < 1 || (batches != n / b && batches != (n + b - 1) / b)) {
            throw new IllegalArgumentException("the training source yields " + batches + " batches per epoch from "
                    + n + " examples, which does not fit the configured batch size " + b);
        }
        if (test.batchesPerEpoch() < 1) {
            throw new IllegalArgumentException("the test source yields no batch");
        }
        this.timeline = Timeline.ofEpochs(config.epochs(), batches);
        this.sgd = new Sgd(module.namedParameters(), config.sgd());
        this.criterion = new CrossEntropyLoss((float) config.labelSmoothing());
        Map<String, Parameter> named = module.namedParameters();
        this.paramNames = named.keySet().toArray(new String[0]);
        this.params = named.values().toArray(new Parameter[0]);
    }

    /**
     * The configuration a training checkpoint was written with (its {@code config} metadata), so that a run can
     * be resumed from the file alone: {@code new Trainer(module, Trainer.configOf(last), ...).resumeFrom(last)}.
     */
    public static TrainConfig configOf(Path checkpoint) {
        try (Safetensors.Reader r = Safetensors.open(checkpoint)) {
            String json = r.metadata().get("config");
            if (json == null || !TrainingState.FORMAT.equals(r.metadata().get("format"))) {
                throw new CheckpointException(checkpoint + " is not a resnet4j training checkpoint (no training configuration in its metadata)");
            }
            try {
                return TrainConfig.fromDescription(Json.parseObject(json));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(checkpoint + ": its training configuration cannot be read: " + e.getMessage(), e);
            }
        }
    }

    public Trainer addListener(TrainListener l) {
        listeners.add(Objects.requireNonNull(l));
        return this;
    }

    /** Asks the run to stop after the current epoch (its checkpoints and metrics are written first). */
    public void requestStop() {
        stopRequested = true;
    }

    public Timeline timeline() {
        return timeline;
    }

    public Sgd optimizer() {
        return sgd;
    }

    /** The EMA (null when off, or before {@link #fit} / {@link #resumeFrom} set it up). */
    public Ema ema() {
        return ema;
    }

    /**
     * Restores a full training state written by this trainer ({@code last.safetensors} or an
     * {@code epoch-NNNN.safetensors}); the configuration's recipe must be the one the checkpoint was written
     * with. Lines of metrics.jsonl after the checkpoint's epoch are dropped (they belong to the lost epochs).
     */
    public Trainer resumeFrom(Path checkpoint) {
        if (used || resumed) {
            throw new IllegalStateException("resumeFrom must be called once, before fit");
        }
        ema = config.emaEnabled() ? new Ema(module, config.emaDecay()) : null;
        Map<String, String> meta = TrainingState.load(checkpoint, module, sgd, ema);
        String want = Json.write(config.recipe());
        String have = meta.get("recipe");
        if (!want.equals(have)) {
            throw new IllegalArgumentException("cannot resume from " + checkpoint + ": it was written with another recipe"
                    + recipeDiff(have, config.recipe()) + "\n  (resume with the same configuration, or start a new run)");
        }
        int epoch = Math.toIntExact(TrainingState.parseLong(meta, "epoch", checkpoint));
        if (sgd.steps() != (long) epoch * timeline.stepsPerEpoch()) {
            throw new CheckpointException(checkpoint + ": " + sgd.steps() + " steps after " + epoch + " epochs of "
                    + timeline.stepsPerEpoch() + " batches; the training data differ from the checkpoint's");
        }
        startEpoch = epoch;
        bestTestAcc = TrainingState.parseDouble(meta, "best_test_acc", checkpoint);
        bestEpoch = Math.toIntExact(TrainingState.parseLong(meta, "best_epoch", checkpoint));
        priorWallSec = TrainingState.parseDouble(meta, "wall_time_s", checkpoint);
        truncateMetrics(epoch);
        resumed = true;
        return this;
    }

    /** Runs the remaining epochs (all of them, or those after the resumed checkpoint). */
    public TrainResult fit() {
        if (used) {
            throw new IllegalStateException("a Trainer runs once; make a new one (and resume) to continue");
        }
        used = true;
        if (!resumed) {
            startFresh();
        }
        long sessionStart = System.nanoTime();
        for (TrainListener l : listeners) {
            l.onStart(startEpoch, config.epochs(), timeline.stepsPerEpoch());
        }
        List<EpochMetrics> done = new ArrayList<>();
        int epoch = startEpoch;
        while (epoch < config.epochs() && !stopRequested) {
            EpochMetrics m = runEpoch(epoch, sessionStart);
            done.add(m);
            epoch++;
        }
        return new TrainResult(done, epoch, bestTestAcc, bestEpoch, epoch < config.epochs());
    }

    private void startFresh() {
        Path dir = config.runDir();
        if (Files.exists(dir.resolve(METRICS)) || Files.exists(dir.resolve(LAST))) {
            throw new IllegalStateException("run directory " + dir + " already holds a run (" + METRICS + " or " + LAST
                    + "); resume from " + dir.resolve(LAST) + " or choose another directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the run directory " + dir + ": " + e.getMessage(), e);
        }
        if (config.initialize()) {
            module.initialize(config.seed());
        }
        ema = config.emaEnabled() ? new Ema(module, config.emaDecay()) : null;
    }

    private EpochMetrics runEpoch(int epoch, long sessionStart) {
        module.train(true);
        // the input is data: the first convolution need not compute its gradient
        module.setInputGradient(false);
        int batches = timeline.stepsPerEpoch();
        double lossSum = 0;
        long seen = 0, correct = 0;
        double lr = Double.NaN;
        long t0 = System.nanoTime();
        Iterator<Batch> it = train.epoch(epoch);
        int iteration = 0;
        // time spent in the source's epoch, hasNext and next: waiting for data, not training
        long waitNanos = 0, w0 = t0;
        while (it.hasNext()) {
            Batch b = it.next();
            waitNanos += System.nanoTime() - w0;
            if (iteration >= batches) {
                throw new IllegalStateException("the training source yielded more than its " + batches + " batches in epoch " + epoch);
            }
            long step = sgd.steps();
            lr = config.schedule().lr(step, timeline);
            double momentum = config.schedule().momentum(step, timeline, config.sgd().momentum());
            module.zeroGrad();
            Tensor logits = module.forward(b.images());
            double loss = criterion.forward(logits, b.labels());
            if (!Double.isFinite(loss)) {
                Tensor x = b.images();
                boolean badInput = !Kernels.OPTIM.allFinite(x.numel(), x.data(), 0);
                throw diverged(epoch, iteration, step, null, "the loss is " + loss
                        + (badInput ? " and the input batch itself holds NaN or infinite values (check the data)" : ""));
            }
            correct += countCorrect(logits, b.labels(), b.size());
            module.backward(criterion.backward());
            for (int i = 0; i < params.length; i++) {
                Tensor g = params[i].grad();
                if (!Kernels.OPTIM.allFinite(g.numel(), g.data(), 0)) {
                    throw diverged(epoch, iteration, step, paramNames[i], "the gradient of " + paramNames[i]
                            + " is not finite (NaN or infinity) while the loss was " + loss);
                }
            }
            sgd.step(lr, momentum);
            if (ema != null) {
                ema.update();
            }
            lossSum += loss * b.size();
            seen += b.size();
            iteration++;
            if (!listeners.isEmpty()) {
                double sec = (System.nanoTime() - t0) / 1e9;
                double perStep = sec / iteration;
                long remainingRun = timeline.totalSteps() - sgd.steps();
                BatchProgress p = new BatchProgress(epoch + 1, config.epochs(), iteration, batches, sgd.steps(), loss,
                        lossSum / seen, (double) correct / seen, lr, seen / sec, perStep * (batches - iteration),
                        perStep * remainingRun);
                for (TrainListener l : listeners) {
                    l.onBatch(p);
                }
            }
            w0 = System.nanoTime();
        }
        waitNanos += System.nanoTime() - w0;
        if (iteration != batches) {
            throw new IllegalStateException("the training source yielded " + iteration + " batches in epoch " + epoch
                    + ", not the " + batches + " it announced");
        }
        double trainSec = (System.nanoTime() - t0) / 1e9;

        boolean evaluate = (epoch + 1) % config.evalEvery() == 0 || epoch + 1 == config.epochs();
        double testLoss = Double.NaN, testAcc = Double.NaN;
        long e0 = System.nanoTime();
        if (evaluate) {
            Evaluation r = evaluate();
            testLoss = r.loss();
            testAcc = r.accuracy();
            // checked before the checkpoints, so that last.safetensors keeps the previous epoch's sound weights
            if (!Double.isFinite(testLoss)) {
                throw evalDiverged(epoch, lr, testLoss, lossSum / seen);
            }
        }
        double evalSec = (System.nanoTime() - e0) / 1e9;
        boolean improved = evaluate && (Double.isNaN(bestTestAcc) || testAcc > bestTestAcc);
        if (improved) {
            bestTestAcc = testAcc;
            bestEpoch = epoch + 1;
        }
        double wall = priorWallSec + (System.nanoTime() - sessionStart) / 1e9;
        EpochMetrics m = new EpochMetrics(epoch + 1, sgd.steps(), lossSum / seen, (double) correct / seen, testLoss,
                testAcc, lr, seen / trainSec, trainSec, waitNanos / 1e9, evalSec, wall, bestTestAcc,
                ema != null ? "ema" : "model");
        writeCheckpoints(epoch + 1, improved, wall, m);
        appendMetrics(m);
        for (TrainListener l : listeners) {
            l.onEpoch(m);
        }
        return m;
    }

    /** Test loss and accuracy in eval mode, with the EMA weights when EMA is on; the module returns to training mode. */
    public Evaluation evaluate() {
        if (ema != null) {
            ema.swapIn();
        }
        try {
            module.train(false);
            double lossSum = 0;
            long seen = 0, correct = 0;
            Iterator<Batch> it = test.epoch(0);
            while (it.hasNext()) {
                Batch b = it.next();
                Tensor logits = module.forward(b.images());
                lossSum += criterion.forward(logits, b.labels()) * b.size();
                correct += countCorrect(logits, b.labels(), b.size());
                seen += b.size();
            }
            return new Evaluation(lossSum / seen, (double) correct / seen, seen);
        } finally {
            module.train(true);
            if (ema != null) {
                ema.swapOut();
            }
        }
    }

    /** Rows of logits (n, k) whose first maximum is at the label (torch.argmax's choice on ties). */
    static long countCorrect(Tensor logits, int[] labels, int n) {
        int k = logits.shape().dim(1);
        float[] z = logits.data();
        long correct = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (z[i * k + j] > z[i * k + best]) {
                    best = j;
                }
            }
            if (best == labels[i]) {
                correct++;
            }
        }
        return correct;
    }

    private TrainingDivergedException diverged(int epoch, int iteration, long step, String param, String what) {
        return new TrainingDivergedException("training diverged at epoch " + (epoch + 1) + " of " + config.epochs()
                + ", iteration " + (iteration + 1) + " of " + timeline.stepsPerEpoch() + " (step " + step + ", lr "
                + config.schedule().lr(step, timeline) + "): " + what + "; the step was not taken" + advice(epoch),
                epoch + 1, iteration + 1, step, param);
    }

    /** A non-finite test loss after the epoch's training: the epoch's checkpoints and metrics are not written. */
    private TrainingDivergedException evalDiverged(int epoch, double lr, double testLoss, double trainLoss) {
        int batches = timeline.stepsPerEpoch();
        long step = sgd.steps();
        return new TrainingDivergedException("training diverged at epoch " + (epoch + 1) + " of " + config.epochs()
                + " (step " + step + ", lr " + lr + "): the test loss is "
                + testLoss + " after the epoch's training (training loss " + trainLoss
                + "); the epoch's checkpoint was not written" + advice(epoch), epoch + 1, batches, step, null);
    }

    /**
     * What is kept and what to change. Generic on purpose: resuming repeats the recipe (and so the divergence),
     * and how to start a run with another one is up to the caller.
     */
    private String advice(int epoch) {
        Path last = config.runDir().resolve(LAST);
        String kept = epoch > 0 && Files.exists(last) ? "; the checkpoint of epoch " + epoch + ", " + last
                + ", is kept" : "";
        return kept + "; lower the learning rate (or add warm-up), or check the data";
    }

    private void writeCheckpoints(int epochsDone, boolean improved, double wall, EpochMetrics m) {
        CheckpointPolicy p = config.checkpoints();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("epoch", Integer.toString(epochsDone));
        meta.put("step", Long.toString(sgd.steps()));
        meta.put("seed", Long.toString(config.seed()));
        meta.put("best_test_acc", Double.toString(bestTestAcc));
        meta.put("best_epoch", Integer.toString(bestEpoch));
        meta.put("wall_time_s", Double.toString(wall));
        meta.put("recipe", Json.write(config.recipe()));
        meta.put("config", Json.write(config.describe()));
        meta.put("metrics", Json.write(m.toJson()));
        meta.put("kernels", Kernels.describe());
        Path dir = config.runDir();
        if (p.last()) {
            TrainingState.write(dir.resolve(LAST), module, sgd, ema, meta);
        }
        if (p.keepEvery() > 0 && epochsDone % p.keepEvery() == 0) {
            TrainingState.write(dir.resolve(String.format("epoch-%04d.safetensors", epochsDone)), module, sgd, ema, meta);
        }
        if (p.best() && improved) {
            Map<String, String> bm = new LinkedHashMap<>();
            bm.put("epoch", Integer.toString(epochsDone));
            bm.put("test_acc", Double.toString(m.testAcc()));
            bm.put("weights", ema != null ? "ema" : "model");
            bm.put("config", meta.get("config"));
            if (ema != null) {
                ema.swapIn();
            }
            try {
                ModuleState.save(module, dir.resolve(BEST), bm);
            } finally {
                if (ema != null) {
                    ema.swapOut();
                }
            }
        }
    }

    private void appendMetrics(EpochMetrics m) {
        AtomicFiles.appendLine(config.runDir().resolve(METRICS), Json.write(m.toJson()));
    }

    /** Keeps the metrics lines of epochs up to {@code epoch} (atomically rewritten). */
    private void truncateMetrics(int epoch) {
        Path f = config.runDir().resolve(METRICS);
        if (!Files.exists(f)) {
            return;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + " for the resume: " + e.getMessage(), e);
        }
        // every line is checked before the file is rewritten, so that a bad one leaves it as it was
        StringBuilder kept = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            Object e;
            try {
                e = Json.parseObject(line).get("epoch");
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(f + " line " + (i + 1) + " is not a JSON object (" + bad.getMessage()
                        + "); the file may be truncated: delete the line to resume", bad);
            }
            if (e instanceof Number n && n.longValue() <= epoch) {
                kept.append(line).append('\n');
            }
        }
        AtomicFiles.write(f, kept.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String recipeDiff(String stored, Map<String, Object> now) {
        if (stored == null) {
            return " (the checkpoint records no recipe)";
        }
        Map<String, Object> before;
        try {
            before = Json.parseObject(stored);
        } catch (IllegalArgumentException e) {
            return " (its recorded recipe is not valid JSON)";
        }
        Map<String, Object> after = Json.parseObject(Json.write(now));
        StringBuilder d = new StringBuilder();
        for (String k : after.keySet()) {
            if (!Objects.equals(before.get(k), after.get(k))) {
                d.append("\n  ").append(k).append(": checkpoint ").append(Json.write(before.get(k)))
                        .append(", now ").append(Json.write(after.get(k)));
            }
        }
        return d.length() == 0 ? "" : ":" + d;
    }
}
