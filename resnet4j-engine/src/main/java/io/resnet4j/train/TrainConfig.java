package io.resnet4j.train;

import io.resnet4j.optim.LrSchedule;
import io.resnet4j.optim.SgdConfig;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A training run's recipe and bookkeeping, validated here once.
 *
 * @param epochs         passes over the training data (>= 1)
 * @param batchSize      the training source's batch size (the trainer checks the source agrees)
 * @param schedule       learning rate per iteration (and one-cycle's momentum)
 * @param sgd            momentum, Nesterov, weight decay, no-decay-for-norm-and-bias
 * @param labelSmoothing cross-entropy label smoothing in [0, 1) (0 = off), for training and test loss
 * @param emaDecay       decay of an exponential moving average of the weights and BN statistics, evaluated in
 *                       place of the trained weights; 0 = no EMA, else in (0, 1) (e.g. 0.999)
 * @param seed           initialises the module at the start of a fresh run (when {@code initialize}); recorded
 *                       in checkpoints and metrics. Data sources carry their own seeds (the CLI derives them
 *                       from this one); the trainer draws no other random numbers.
 * @param initialize     whether a fresh run calls {@code module.initialize(seed)} (false to fine-tune loaded weights)
 * @param runDir         where metrics.jsonl and checkpoints go
 * @param checkpoints    which checkpoints to write
 * @param evalEvery      evaluate on the test source every that many epochs (1 = every epoch) and after the last
 */
public record TrainConfig(int epochs, int batchSize, LrSchedule schedule, SgdConfig sgd, double labelSmoothing,
                          double emaDecay, long seed, boolean initialize, Path runDir,
                          CheckpointPolicy checkpoints, int evalEvery) {
    public TrainConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(sgd, "sgd");
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(checkpoints, "checkpoints");
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        }
        if (!(emaDecay == 0 || (emaDecay > 0 && emaDecay < 1))) {
            throw new IllegalArgumentException("EMA decay must be 0 (off) or in (0, 1), got " + emaDecay);
        }
        if (evalEvery < 1) {
            throw new IllegalArgumentException("evalEvery must be >= 1, got " + evalEvery);
        }
        if (cyclesMomentum(schedule) && sgd.momentum() == 0) {
            throw new IllegalArgumentException("one-cycle momentum cycling needs SGD momentum > 0");
        }
    }

    private static boolean cyclesMomentum(LrSchedule s) {
        return s instanceof LrSchedule.OneCycle oc && oc.cycleMomentum()
                || s instanceof LrSchedule.Warmup w && cyclesMomentum(w.after());
    }

    /** A builder starting from the paper's CIFAR recipe (SGD 0.9 / 1e-4, batch 128, lr 0.1). */
    public static Builder builder(Path runDir) {
        return new Builder(runDir);
    }

    /** A builder holding this configuration (to change a field, e.g. the run directory of a moved run). */
    public Builder toBuilder() {
        return new Builder(runDir).epochs(epochs).batchSize(batchSize).schedule(schedule).sgd(sgd)
                .labelSmoothing(labelSmoothing).emaDecay(emaDecay).seed(seed).initialize(initialize)
                .checkpoints(checkpoints).evalEvery(evalEvery);
    }

    public boolean emaEnabled() {
        return emaDecay != 0;
    }

    /**
     * What determines the trajectory of the weights (everything but where files go, which checkpoints are
     * written and how often the run is evaluated): a resumed run must have the same recipe.
     */
    public Map<String, Object> recipe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("schedule", schedule.describe());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("momentum", sgd.momentum());
        s.put("dampening", sgd.dampening());
        s.put("nesterov", sgd.nesterov());
        s.put("weight_decay", sgd.weightDecay());
        s.put("no_decay_for_norm_and_bias", sgd.noDecayForNormAndBias());
        m.put("sgd", s);
        m.put("label_smoothing", labelSmoothing);
        m.put("ema_decay", emaDecay);
        m.put("seed", seed);
        m.put("initialize", initialize);
        return m;
    }

    /** The whole configuration as plain maps (the recipe plus the bookkeeping fields). */
    public Map<String, Object> describe() {
        Map<String, Object> m = recipe();
        m.put("run_dir", runDir.toString());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("last", checkpoints.last());
        c.put("best", checkpoints.best());
        c.put("keep_every", checkpoints.keepEvery());
        m.put("checkpoints", c);
        m.put("eval_every", evalEvery);
        return m;
    }

    /**
     * The configuration {@link #describe()} described, as a JSON reader returns it (the {@code config} metadata
     * of a checkpoint): the CLI resumes a run from its checkpoint alone. A missing or mistyped field is an
     * IllegalArgumentException naming it.
     */
    public static TrainConfig fromDescription(Map<?, ?> d) {
        Map<?, ?> s = map(d, "sgd");
        Map<?, ?> c = map(d, "checkpoints");
        return new TrainConfig(integer(d, "epochs"), integer(d, "batch_size"), LrSchedule.fromDescription(map(d, "schedule")),
                new SgdConfig(number(s, "momentum"), number(s, "dampening"), bool(s, "nesterov"), number(s, "weight_decay"),
                        bool(s, "no_decay_for_norm_and_bias")),
                number(d, "label_smoothing"), number(d, "ema_decay"), (long) number(d, "seed"), bool(d, "initialize"),
                Path.of(string(d, "run_dir")), new CheckpointPolicy(bool(c, "last"), bool(c, "best"), integer(c, "keep_every")),
                integer(d, "eval_every"));
    }

    private static Object field(Map<?, ?> d, String key) {
        if (!d.containsKey(key)) {
            throw new IllegalArgumentException("training configuration lacks \"" + key + "\" (it has " + d.keySet() + ")");
        }
        return d.get(key);
    }

    private static Map<?, ?> map(Map<?, ?> d, String key) {
        if (field(d, key) instanceof Map<?, ?> m) {
            return m;
        }
        throw new IllegalArgumentException("training configuration field \"" + key + "\" must be an object, got " + d.get(key));
    }

    private static double number(Map<?, ?> d, String key) {
        if (field(d, key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("training configuration field \"" + key + "\" must be a number, got " + d.get(key));
    }

    private static int integer(Map<?, ?> d, String key) {
        if (field(d, key) instanceof Number n && n.doubleValue() == n.intValue()) {
            return n.intValue();
        }
        throw new IllegalArgumentException("training configuration field \"" + key + "\" must be an integer, got " + d.get(key));
    }

    private static boolean bool(Map<?, ?> d, String key) {
        if (field(d, key) instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("training configuration field \"" + key + "\" must be true or false, got " + d.get(key));
    }

    private static String string(Map<?, ?> d, String key) {
        if (field(d, key) instanceof String str) {
            return str;
        }
        throw new IllegalArgumentException("training configuration field \"" + key + "\" must be a string, got " + d.get(key));
    }

    /** Fills a {@link TrainConfig} field by field; {@link #build} validates. */
    public static final class Builder {
        private int epochs = 1, batchSize = 128, evalEvery = 1;
        private LrSchedule schedule = new LrSchedule.Constant(0.1);
        private SgdConfig sgd = SgdConfig.paper();
        private double labelSmoothing, emaDecay;
        private long seed;
        private boolean initialize = true;
        private Path runDir;
        private CheckpointPolicy checkpoints = CheckpointPolicy.standard();

        private Builder(Path runDir) {
            this.runDir = runDir;
        }

        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder schedule(LrSchedule v) { schedule = v; return this; }
        public Builder sgd(SgdConfig v) { sgd = v; return this; }
        public Builder labelSmoothing(double v) { labelSmoothing = v; return this; }
        public Builder emaDecay(double v) { emaDecay = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder initialize(boolean v) { initialize = v; return this; }
        public Builder runDir(Path v) { runDir = v; return this; }
        public Builder checkpoints(CheckpointPolicy v) { checkpoints = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(epochs, batchSize, schedule, sgd, labelSmoothing, emaDecay, seed, initialize,
                    runDir, checkpoints, evalEvery);
        }
    }
}
