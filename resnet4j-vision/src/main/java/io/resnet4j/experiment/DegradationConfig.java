package io.resnet4j.experiment;

import io.resnet4j.optim.LrSchedule;
import io.resnet4j.optim.SgdConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The plain-vs-residual depth experiment (He et al. 2015 §4.2, Fig. 6 and 7): every depth is trained as a plain
 * net and as its residual twin, for every seed, with one recipe.
 *
 * @param depths        CIFAR-style depths 6n+2 (e.g. 20, 32, 44, 56), ascending, distinct
 * @param seeds         seeds; seed s initialises both twins identically (option-A shortcuts add no parameters)
 *                      and seeds the data order and augmentation, so the twins see the same batches
 * @param epochs        epochs per net
 * @param batchSize     training batch size (also the batch of the gradient probe)
 * @param lr            initial learning rate
 * @param schedule      {@link Schedule#STEP}: divide by 10 at 50% and 75% of the epochs (the paper's 32k/48k of
 *                      64k iterations); {@link Schedule#COSINE}; {@link Schedule#CONSTANT}
 * @param momentum      SGD momentum (the paper: 0.9)
 * @param weightDecay   L2 weight decay on every parameter (the paper: 1e-4)
 * @param augment       pad 4 + random crop + horizontal flip of training images (the paper's CIFAR augmentation)
 * @param trainSubset   training images used, class-balanced from the start of the file; 0 = all
 * @param testSubset    test images used, class-balanced; 0 = all
 * @param probeEpochs   epochs after which the per-layer gradient norms and response deviations are measured
 *                      (the gradient norms are also measured at initialisation, epoch 0); each in 1..epochs
 * @param probeImages   training images (the first ones, without augmentation) whose mean loss gradient is probed
 * @param outDir        where {@code experiment.json}, {@code results.jsonl} and the runs' checkpoints go
 */
public record DegradationConfig(List<Integer> depths, List<Long> seeds, int epochs, int batchSize, double lr,
                                Schedule schedule, double momentum, double weightDecay, boolean augment,
                                int trainSubset, int testSubset, List<Integer> probeEpochs, int probeImages,
                                Path outDir) {

    /** The learning-rate schedule of every net. */
    public enum Schedule { STEP, COSINE, CONSTANT }

    /** Deepest net accepted (ResNet-1202 is 6n+2 with n = 200). */
    public static final int MAX_DEPTH = 1202;

    public DegradationConfig {
        Objects.requireNonNull(depths, "depths");
        Objects.requireNonNull(seeds, "seeds");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(probeEpochs, "probeEpochs");
        Objects.requireNonNull(outDir, "outDir");
        depths = List.copyOf(depths);
        seeds = List.copyOf(seeds);
        probeEpochs = List.copyOf(probeEpochs);
        if (depths.isEmpty()) {
            throw new IllegalArgumentException("no depth given (e.g. 20,32,44,56)");
        }
        int prev = 0;
        for (int d : depths) {
            if (d < 8 || d > MAX_DEPTH || (d - 2) % 6 != 0) {
                throw new IllegalArgumentException("depth " + d + " is not a CIFAR ResNet depth: 6n+2 with n >= 1 "
                        + "(8, 14, 20, 32, 44, 56, 110, ...), at most " + MAX_DEPTH);
            }
            if (d <= prev) {
                throw new IllegalArgumentException("depths must be distinct and ascending, got " + depths);
            }
            prev = d;
        }
        if (seeds.isEmpty() || seeds.size() > 100 || seeds.size() != new TreeSet<>(seeds).size()) {
            throw new IllegalArgumentException("seeds must be 1 to 100 distinct values, got " + seeds);
        }
        if (epochs < 1 || epochs > 100_000) {
            throw new IllegalArgumentException("epochs must be in 1..100000, got " + epochs);
        }
        if (batchSize < 2 || batchSize > 65_536) {
            throw new IllegalArgumentException("batch size must be in 2..65536 (batch norm needs 2), got " + batchSize);
        }
        if (!(lr > 0 && lr <= 100)) {
            throw new IllegalArgumentException("learning rate must be in (0, 100], got " + lr);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0 && weightDecay <= 1)) {
            throw new IllegalArgumentException("weight decay must be in [0, 1], got " + weightDecay);
        }
        if (trainSubset < 0 || testSubset < 0) {
            throw new IllegalArgumentException("subset sizes must be >= 0 (0 = all), got " + trainSubset + " and " + testSubset);
        }
        if (probeImages < 2) {
            throw new IllegalArgumentException("probe images must be >= 2, got " + probeImages);
        }
        int prevProbe = 0;
        for (int e : probeEpochs) {
            if (e < 1 || e > epochs || e <= prevProbe) {
                throw new IllegalArgumentException("probe epochs must be ascending, distinct and in 1.." + epochs
                        + ", got " + probeEpochs);
            }
            prevProbe = e;
        }
    }

    /**
     * A configuration with the defaults: the paper's SGD (momentum 0.9, decay 1e-4), lr 0.1 divided by 10 at 50%
     * and 75% of the epochs, batch 128, augmentation on, all images, probes at the first, middle and last epoch
     * on 512 training images.
     */
    public static DegradationConfig defaults(List<Integer> depths, List<Long> seeds, int epochs, Path outDir) {
        return new DegradationConfig(depths, seeds, epochs, 128, 0.1, Schedule.STEP, 0.9, 1e-4, true, 0, 0,
                defaultProbeEpochs(epochs), 512, outDir);
    }

    /** Epochs 1, the middle one and the last (without repeats). */
    public static List<Integer> defaultProbeEpochs(int epochs) {
        TreeSet<Integer> s = new TreeSet<>(List.of(1, (epochs + 1) / 2, epochs));
        return new ArrayList<>(s);
    }

    public DegradationConfig withBatchSize(int b) {
        return new DegradationConfig(depths, seeds, epochs, b, lr, schedule, momentum, weightDecay, augment,
                trainSubset, testSubset, probeEpochs, probeImages, outDir);
    }

    public DegradationConfig withSubsets(int train, int test) {
        return new DegradationConfig(depths, seeds, epochs, batchSize, lr, schedule, momentum, weightDecay, augment,
                train, test, probeEpochs, probeImages, outDir);
    }

    public DegradationConfig withProbes(List<Integer> epochsToProbe, int images) {
        return new DegradationConfig(depths, seeds, epochs, batchSize, lr, schedule, momentum, weightDecay, augment,
                trainSubset, testSubset, epochsToProbe, images, outDir);
    }

    public DegradationConfig withOptimizer(double rate, Schedule s, double m, double wd) {
        return new DegradationConfig(depths, seeds, epochs, batchSize, rate, s, m, wd, augment,
                trainSubset, testSubset, probeEpochs, probeImages, outDir);
    }

    public DegradationConfig withAugment(boolean on) {
        return new DegradationConfig(depths, seeds, epochs, batchSize, lr, schedule, momentum, weightDecay, on,
                trainSubset, testSubset, probeEpochs, probeImages, outDir);
    }

    /** The learning-rate schedule every net is trained with. */
    public LrSchedule lrSchedule() {
        return switch (schedule) {
            case STEP -> {
                long half = Math.max(1, epochs / 2);
                long threeQuarters = Math.max(half + 1, (3L * epochs) / 4);
                yield epochs < 3 ? new LrSchedule.Constant(lr) : LrSchedule.MultiStep.epochs(lr, half, threeQuarters);
            }
            case COSINE -> new LrSchedule.Cosine(lr, 0);
            case CONSTANT -> new LrSchedule.Constant(lr);
        };
    }

    /** SGD as in the paper: momentum, decay on every parameter, no Nesterov. */
    public SgdConfig sgd() {
        return new SgdConfig(momentum, 0, false, weightDecay, false);
    }

    /** Every (kind, depth, seed) in the order they are trained: seed by seed, shallow to deep, plain then residual. */
    public List<RunKey> runs() {
        List<RunKey> out = new ArrayList<>();
        for (long seed : seeds) {
            for (int depth : depths) {
                for (NetKind kind : NetKind.values()) {
                    out.add(new RunKey(kind, depth, seed));
                }
            }
        }
        return out;
    }

    /**
     * What determines each run's results (everything but the depths and seeds, which may be extended, and the
     * output directory): an experiment directory is resumed only with the same recipe.
     */
    public Map<String, Object> recipe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("lr", lr);
        m.put("schedule", schedule.name().toLowerCase(java.util.Locale.ROOT));
        m.put("momentum", momentum);
        m.put("weight_decay", weightDecay);
        m.put("augment", augment);
        m.put("train_subset", trainSubset);
        m.put("test_subset", testSubset);
        m.put("probe_epochs", new ArrayList<>(probeEpochs));
        m.put("probe_images", probeImages);
        return m;
    }

    /** The recipe plus depths and seeds, as written to {@code experiment.json}. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("depths", new ArrayList<>(depths));
        m.put("seeds", new ArrayList<>(seeds));
        m.putAll(recipe());
        return m;
    }

    /** The configuration {@link #describe()} wrote, read back (numbers as a JSON reader returns them). */
    public static DegradationConfig fromDescription(Map<?, ?> d, Path outDir) {
        return new DegradationConfig(ints(d, "depths"), longs(d, "seeds"), integer(d, "epochs"), integer(d, "batch_size"),
                number(d, "lr"), Schedule.valueOf(string(d, "schedule").toUpperCase(java.util.Locale.ROOT)),
                number(d, "momentum"), number(d, "weight_decay"), bool(d, "augment"), integer(d, "train_subset"),
                integer(d, "test_subset"), ints(d, "probe_epochs"), integer(d, "probe_images"), outDir);
    }

    private static Object field(Map<?, ?> d, String key) {
        if (!d.containsKey(key)) {
            throw new IllegalArgumentException("experiment configuration lacks \"" + key + "\"");
        }
        return d.get(key);
    }

    private static double number(Map<?, ?> d, String key) {
        if (field(d, key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("experiment configuration field \"" + key + "\" must be a number");
    }

    private static int integer(Map<?, ?> d, String key) {
        double v = number(d, key);
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("experiment configuration field \"" + key + "\" must be an integer");
        }
        return (int) v;
    }

    private static boolean bool(Map<?, ?> d, String key) {
        if (field(d, key) instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("experiment configuration field \"" + key + "\" must be true or false");
    }

    private static String string(Map<?, ?> d, String key) {
        if (field(d, key) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("experiment configuration field \"" + key + "\" must be a string");
    }

    private static List<Object> list(Map<?, ?> d, String key) {
        if (field(d, key) instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        throw new IllegalArgumentException("experiment configuration field \"" + key + "\" must be a list");
    }

    private static List<Integer> ints(Map<?, ?> d, String key) {
        List<Integer> out = new ArrayList<>();
        for (Object o : list(d, key)) {
            if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                throw new IllegalArgumentException("experiment configuration field \"" + key + "\" must hold integers");
            }
            out.add(n.intValue());
        }
        return out;
    }

    private static List<Long> longs(Map<?, ?> d, String key) {
        List<Long> out = new ArrayList<>();
        for (Object o : list(d, key)) {
            if (!(o instanceof Number n)) {
                throw new IllegalArgumentException("experiment configuration field \"" + key + "\" must hold integers");
            }
            out.add(n.longValue());
        }
        return out;
    }
}
