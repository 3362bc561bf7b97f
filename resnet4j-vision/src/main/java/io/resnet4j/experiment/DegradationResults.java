package io.resnet4j.experiment;

import io.resnet4j.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The results of a degradation experiment read back from its directory ({@code experiment.json} and
 * {@code results.jsonl}): curves, final errors and layer probes averaged over seeds, and the Markdown table.
 * Everything a report shows comes from here, so a report can be rebuilt from the files at any time, also while
 * the experiment is still running or after it was interrupted (unfinished networks are marked).
 */
public final class DegradationResults {
    private final DegradationConfig config;
    private final Map<String, Object> data;
    private final List<EpochRecord> records;

    private DegradationResults(DegradationConfig config, Map<String, Object> data, List<EpochRecord> records) {
        this.config = config;
        this.data = data;
        this.records = records;
    }

    /** Reads an experiment directory; a missing or foreign {@code experiment.json} is an IllegalArgumentException. */
    public static DegradationResults load(Path dir) {
        Path f = dir.resolve(DegradationExperiment.CONFIG_FILE);
        if (!Files.exists(f)) {
            throw new IllegalArgumentException(dir + " holds no experiment (" + DegradationExperiment.CONFIG_FILE
                    + " is missing); run the experiment there first");
        }
        Map<String, Object> top;
        try {
            top = Json.parseObject(Files.readString(f, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!DegradationExperiment.FORMAT.equals(top.get("format")) || !(top.get("config") instanceof Map<?, ?> c)
                || !(top.get("data") instanceof Map<?, ?> d)) {
            throw new IllegalArgumentException(f + " is not a resnet4j degradation experiment");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) d;
        return new DegradationResults(DegradationConfig.fromDescription(c, dir), data, ResultsLog.open(dir).records());
    }

    public DegradationConfig config() {
        return config;
    }

    /** The data description of {@code experiment.json}: id, train_images, test_images, channels, height, width, classes. */
    public Map<String, Object> data() {
        return Collections.unmodifiableMap(data);
    }

    public List<EpochRecord> records() {
        return Collections.unmodifiableList(records);
    }

    /** The record of a network after an epoch, or null. */
    public EpochRecord record(RunKey key, int epoch) {
        EpochRecord found = null;
        for (EpochRecord r : records) {
            if (r.key().equals(key) && r.epoch() == epoch) {
                found = r;
            }
        }
        return found;
    }

    /** True when the network has its last epoch's record. */
    public boolean finished(RunKey key) {
        return record(key, config.epochs()) != null;
    }

    /** Seeds whose run of this kind and depth is finished. */
    public List<Long> finishedSeeds(NetKind kind, int depth) {
        List<Long> out = new ArrayList<>();
        for (long s : config.seeds()) {
            if (finished(new RunKey(kind, depth, s))) {
                out.add(s);
            }
        }
        return out;
    }

    /** Mean and sample standard deviation (NaN for one value) of some values, and how many there were. */
    public record Stat(double mean, double std, int n) {
        static Stat of(List<Double> values) {
            int n = values.size();
            if (n == 0) {
                return new Stat(Double.NaN, Double.NaN, 0);
            }
            double s = 0;
            for (double v : values) {
                s += v;
            }
            double mean = s / n;
            double ss = 0;
            for (double v : values) {
                ss += (v - mean) * (v - mean);
            }
            return new Stat(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : Double.NaN, n);
        }
    }

    /** A curve over epochs: errors averaged over the seeds that reached each epoch. */
    public record Curve(NetKind kind, int depth, int[] epochs, double[] trainError, double[] testError, int[] seeds) {
    }

    /** Training and test error per epoch, each the mean over the seeds that have that epoch. */
    public Curve curve(NetKind kind, int depth) {
        List<Integer> ep = new ArrayList<>();
        List<double[]> tr = new ArrayList<>();
        for (int e = 1; e <= config.epochs(); e++) {
            List<Double> a = new ArrayList<>();
            List<Double> b = new ArrayList<>();
            for (long s : config.seeds()) {
                EpochRecord r = record(new RunKey(kind, depth, s), e);
                if (r != null) {
                    a.add(r.trainError());
                    b.add(r.testError());
                }
            }
            if (!a.isEmpty()) {
                ep.add(e);
                tr.add(new double[] {Stat.of(a).mean(), Stat.of(b).mean(), a.size()});
            }
        }
        int[] epochs = new int[ep.size()];
        double[] train = new double[ep.size()];
        double[] test = new double[ep.size()];
        int[] seeds = new int[ep.size()];
        for (int i = 0; i < epochs.length; i++) {
            epochs[i] = ep.get(i);
            train[i] = tr.get(i)[0];
            test[i] = tr.get(i)[1];
            seeds[i] = (int) tr.get(i)[2];
        }
        return new Curve(kind, depth, epochs, train, test, seeds);
    }

    /** Final training and test error of the finished seeds. */
    public record Final(NetKind kind, int depth, Stat trainError, Stat testError) {
    }

    public Final finalErrors(NetKind kind, int depth) {
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (long s : finishedSeeds(kind, depth)) {
            EpochRecord r = record(new RunKey(kind, depth, s), config.epochs());
            a.add(r.trainError());
            b.add(r.testError());
        }
        return new Final(kind, depth, Stat.of(a), Stat.of(b));
    }

    /** Epochs at which any network has gradient norms (0 = initialisation). */
    public List<Integer> gradientEpochs() {
        TreeSet<Integer> s = new TreeSet<>();
        for (EpochRecord r : records) {
            if (r.gradNorms() != null) {
                s.add(r.epoch());
            }
        }
        return new ArrayList<>(s);
    }

    /** Epochs at which any network has response deviations. */
    public List<Integer> responseEpochs() {
        TreeSet<Integer> s = new TreeSet<>();
        for (EpochRecord r : records) {
            if (r.responseStd() != null) {
                s.add(r.epoch());
            }
        }
        return new ArrayList<>(s);
    }

    /** Per-layer values averaged over the seeds that have them at that epoch, or null when none has. */
    public record Profile(NetKind kind, int depth, int epoch, List<String> layers, double[] mean, int seeds) {
    }

    public Profile gradientNorms(NetKind kind, int depth, int epoch) {
        return profile(kind, depth, epoch, true);
    }

    public Profile responseStd(NetKind kind, int depth, int epoch) {
        return profile(kind, depth, epoch, false);
    }

    private Profile profile(NetKind kind, int depth, int epoch, boolean gradients) {
        List<String> layers = null;
        double[] sum = null;
        int n = 0;
        for (long s : config.seeds()) {
            EpochRecord r = record(new RunKey(kind, depth, s), epoch);
            LayerProbes.LayerValues v = r == null ? null : gradients ? r.gradNorms() : r.responseStd();
            if (v == null) {
                continue;
            }
            if (layers == null) {
                layers = v.layers();
                sum = new double[layers.size()];
            } else if (!layers.equals(v.layers())) {
                throw new IllegalStateException(kind.id() + depth + " has different layers in different seeds");
            }
            double[] x = v.values();
            for (int i = 0; i < x.length; i++) {
                sum[i] += x[i];
            }
            n++;
        }
        if (layers == null) {
            return null;
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= n;
        }
        return new Profile(kind, depth, epoch, layers, sum, n);
    }

    /** Total seconds of training, evaluation and probing recorded so far. */
    public double computeSeconds() {
        double s = 0;
        for (EpochRecord r : records) {
            s += r.trainSeconds() + r.evalSeconds() + r.probeSeconds();
        }
        return s;
    }

    /**
     * The final errors as a Markdown table: one row per depth, training and test error in % (mean ± sample std
     * over seeds) for the plain net and the ResNet; a network not finished yet shows "–", fewer finished seeds
     * than configured are noted.
     */
    public String markdownTable() {
        StringBuilder b = new StringBuilder();
        b.append("| depth | plain train err % | plain test err % | ResNet train err % | ResNet test err % |\n");
        b.append("|---:|---:|---:|---:|---:|\n");
        for (int depth : config.depths()) {
            Final p = finalErrors(NetKind.PLAIN, depth);
            Final r = finalErrors(NetKind.RESIDUAL, depth);
            b.append("| ").append(depth).append(" | ")
                    .append(cell(p.trainError())).append(" | ").append(cell(p.testError())).append(" | ")
                    .append(cell(r.trainError())).append(" | ").append(cell(r.testError())).append(" |\n");
        }
        return b.toString();
    }

    /** "12.34 ± 0.56" in percent (n seeds noted when fewer than configured), "12.34" for one seed, "–" for none. */
    public String cell(Stat s) {
        if (s.n() == 0) {
            return "–";
        }
        String v = String.format(Locale.ROOT, "%.2f", 100 * s.mean());
        if (s.n() > 1) {
            v += String.format(Locale.ROOT, " ± %.2f", 100 * s.std());
        }
        if (s.n() < config.seeds().size()) {
            v += " (" + s.n() + " of " + config.seeds().size() + " seeds)";
        }
        return v;
    }
}
