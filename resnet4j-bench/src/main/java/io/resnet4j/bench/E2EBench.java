package io.resnet4j.bench;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.models.ModelRegistry;
import io.resnet4j.nn.CrossEntropyLoss;
import io.resnet4j.nn.Parameter;
import io.resnet4j.nn.Inference;
import io.resnet4j.nn.Module;
import io.resnet4j.nn.Sequential;
import io.resnet4j.optim.Sgd;
import io.resnet4j.optim.SgdConfig;
import io.resnet4j.tensor.Shape;
import io.resnet4j.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * resnet4j side of the end-to-end comparison with PyTorch ({@code tools/bench/e2e.sh}): validates each model
 * against PyTorch's numbers for the same weights and data, then times training steps and inference.
 *
 * <p>Workloads are MODEL:MODE:BATCH. A training step is the trainer's (and {@code resnet4j bench --mode train}'s):
 * zeroGrad, forward, cross-entropy, backward without the input's gradient, SGD (momentum 0.9, weight decay 1e-4);
 * inference is an eval-mode forward. Weights and validation
 * data are the closed-form pattern of {@code tools/bench/torch_e2e.py} (see there); validation compares the
 * train-mode logits of a 4-image batch and the losses of 3 SGD steps on it with the file that script wrote,
 * and requires the loss to fall. Each workload: warm-up (at least 3 steps and {@code --warm-s} seconds),
 * then {@code --blocks} timed blocks of at least {@code --block-s} seconds; the medians of wall time and of
 * the process's CPU time per step are reported.
 *
 * <pre>
 * usage: E2EBench --workloads resnet20:train:128,resnet50:infer:1 [--threads 2] [--validation file]
 *                 [--blocks 5] [--block-s 1] [--warm-s 3] [--tsv file]
 * TSV line: r4j, jdk, model, mode, batch, img/s, img per CPU-second, ms per step
 * </pre>
 */
public final class E2EBench {
    static final int VALIDATION_BATCH = 4;
    static final int VALIDATION_STEPS = 3;
    static final double VALIDATION_LR = 0.002;
    /**
     * Logits, against PyTorch's float64 run from the same float32 weights: max |difference| at most
     * FACTOR times PyTorch's own float32 error, or FLOOR times max |logit|; the losses of the SGD steps likewise
     * with LOSS_FLOOR relative to each loss (float32 rounding grows chaotically over the steps of a deep net: on
     * resnet50 PyTorch's own float32 run is 2.6% off its float64 run after 3 steps), and they must fall.
     */
    static final double FACTOR = 4, FLOOR = 1e-4, LOSS_FLOOR = 1e-3;

    private E2EBench() {
    }

    /**
     * mode: train (a training step), infer (eval-mode forward), frozen (forward of the Inference.freeze copy; PyTorch:
     * torch.jit.optimize_for_inference of the traced eval model).
     */
    public record Workload(String model, String mode, int batch) {
        public Workload {
            if (!List.of("train", "infer", "frozen").contains(mode)) {
                throw new IllegalArgumentException("workload mode must be train, infer or frozen, not " + mode);
            }
        }

        public static Workload parse(String s) {
            String[] p = s.split(":");
            if (p.length != 3) {
                throw new IllegalArgumentException("workload " + s + ": expected MODEL:train|infer|frozen:BATCH");
            }
            return new Workload(p[0], p[1], Integer.parseInt(p[2]));
        }

        public boolean train() {
            return mode.equals("train");
        }
    }

    public static void main(String[] args) throws IOException {
        String usage = "usage: E2EBench --workloads MODEL:MODE:BATCH,... [--threads N] [--validation file] "
                + "[--blocks N] [--block-s S] [--warm-s S] [--tsv file]";
        Map<String, String> o = Options.parse(args, List.of("--threads", "--workloads", "--validation", "--blocks",
                "--block-s", "--warm-s", "--tsv"), usage);
        if (!o.containsKey("--workloads")) {
            throw new IllegalArgumentException("--workloads is required; " + usage);
        }
        int threads = Integer.parseInt(o.getOrDefault("--threads", "2"));
        int blocks = Integer.parseInt(o.getOrDefault("--blocks", "5"));
        double blockS = Double.parseDouble(o.getOrDefault("--block-s", "1"));
        double warmS = Double.parseDouble(o.getOrDefault("--warm-s", "3"));
        String validation = o.get("--validation"), tsv = o.get("--tsv");
        List<Workload> list = workloads(o.get("--workloads"));
        Parallel.setThreads(threads);
        String jdk = "jdk" + Runtime.version().feature();
        PrintStream out = System.out;
        header(out);
        if (validation != null) {
            validateAll(list, Path.of(validation), out);
        }
        for (Workload w : list) {
            double[] r = time(w, blocks, blockS, warmS);
            String line = String.format(Locale.ROOT, "r4j\t%s\t%s\t%s\t%d\t%.2f\t%.2f\t%.2f", jdk, w.model(),
                    w.mode(), w.batch(), w.batch() / r[0], w.batch() / r[1], r[0] * 1e3);
            out.println(line);
            if (tsv != null) {
                Files.writeString(Path.of(tsv), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        }
    }

    /** The workloads of a comma-separated MODEL:MODE:BATCH list. */
    static List<Workload> workloads(String list) {
        List<Workload> w = new ArrayList<>();
        for (String s : list.split(",")) {
            w.add(Workload.parse(s.trim()));
        }
        return w;
    }

    /** Date, JDK, CPU, kernels and threads of this run. */
    static void header(PrintStream out) {
        out.println("date:    " + ZonedDateTime.now());
        out.println("jdk:     " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
        out.println("cpu:     " + ConvBench.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cpus");
        out.println("kernels: " + Kernels.describe());
        out.println("threads: " + Parallel.threads());
    }

    /** Validates every model of the workloads against PyTorch's numbers in the file (see the class comment). */
    static void validateAll(List<Workload> workloads, Path file, PrintStream out) throws IOException {
        Map<String, Map<String, double[]>> ref = readValidation(file);
        for (String model : new LinkedHashSet<>(workloads.stream().map(Workload::model).toList())) {
            validate(model, ref.get(model), out);
        }
    }

    /**
     * The pattern of torch_e2e.py: float32((u / 2^24 - 0.5) * scale), u the top 24 bits of splitmix64(index), exact
     * in both languages.
     */
    static float pattern(long index, double scale) {
        long z = index + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (float) (((z >>> 40) / 16777216.0 - 0.5) * scale);
    }

    /** Sets every parameter as torch_e2e.py does (sorted names, running offsets; BN scale 1, shift 0). */
    static void setPatternWeights(Sequential net) {
        long offset = 0;
        for (Map.Entry<String, Parameter> e : new TreeMap<>(net.namedParameters()).entrySet()) {
            String name = e.getKey();
            Shape s = e.getValue().shape();
            float[] w = e.getValue().value().data();
            double scale;
            if (s.rank() > 1) {
                scale = Math.sqrt(24.0 / (w.length / s.dim(0)));
            } else if (name.startsWith("fc.")) {
                scale = 0.2;
            } else {
                java.util.Arrays.fill(w, name.endsWith("weight") ? 1f : 0f);
                continue;
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = pattern(offset + i, scale);
            }
            offset += w.length;
        }
        for (Map.Entry<String, Tensor> e : net.namedBuffers().entrySet()) {
            if (e.getKey().endsWith("running_mean")) {
                e.getValue().fill(0f);
            } else if (e.getKey().endsWith("running_var")) {
                e.getValue().fill(1f);
            }
        }
    }

    static Shape imageShape(String model) {
        return ModelRegistry.spec(model).stem() == io.resnet4j.models.ResNetSpec.Stem.IMAGENET
                ? Shape.of(1, 3, 224, 224) : Shape.of(1, 3, 32, 32);
    }

    static Shape batchShape(String model, int batch) {
        Shape s = imageShape(model);
        return Shape.of(batch, s.c(), s.h(), s.w());
    }

    private static void validate(String model, Map<String, double[]> ref, PrintStream out) {
        if (ref == null || !ref.containsKey("logits") || !ref.containsKey("logits64") || !ref.containsKey("losses")
                || !ref.containsKey("losses64")) {
            throw new IllegalStateException("no PyTorch validation data for " + model
                    + " in the validation file; write it with tools/bench/torch_e2e.py --validate FILE --workloads ...");
        }
        Sequential net = ModelRegistry.build(model, 0);
        setPatternWeights(net);
        int classes = ModelRegistry.spec(model).numClasses();
        Tensor x = new Tensor(batchShape(model, VALIDATION_BATCH));
        float[] xd = x.data();
        for (int i = 0; i < xd.length; i++) {
            xd[i] = pattern(i, 2 * Math.sqrt(3));
        }
        int[] labels = new int[VALIDATION_BATCH];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (3 * i + 1) % classes;
        }
        net.train(true);
        float[] logits = net.forward(x).data();
        double[] torch32 = ref.get("logits"), exact = ref.get("logits64");
        if (exact.length != logits.length || torch32.length != logits.length) {
            throw new IllegalStateException(model + ": PyTorch gave " + exact.length + " logits, resnet4j " + logits.length);
        }
        double maxDiff = 0, torchDiff = 0, maxAbs = 0;
        for (int i = 0; i < logits.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(logits[i] - exact[i]));
            torchDiff = Math.max(torchDiff, Math.abs(torch32[i] - exact[i]));
            maxAbs = Math.max(maxAbs, Math.abs(exact[i]));
        }
        double logitTolerance = Math.max(FACTOR * torchDiff, FLOOR * maxAbs);
        // the forward above ran in training mode: restart from the same weights for the SGD steps
        net = ModelRegistry.build(model, 0);
        setPatternWeights(net);
        net.train(true);
        net.setInputGradient(false);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Sgd sgd = new Sgd(net.namedParameters(), new SgdConfig(0.9, 0, false, 1e-4, false));
        double[] losses = new double[VALIDATION_STEPS];
        for (int s = 0; s < VALIDATION_STEPS; s++) {
            net.zeroGrad();
            losses[s] = loss.forward(net.forward(x), labels);
            net.backward(loss.backward());
            sgd.step(VALIDATION_LR);
        }
        double[] torchLoss = ref.get("losses"), exactLoss = ref.get("losses64");
        boolean lossesOk = true;
        double maxLossDiff = 0, torchLossDiff = 0;
        for (int s = 0; s < VALIDATION_STEPS; s++) {
            double mine = Math.abs(losses[s] - exactLoss[s]), theirs = Math.abs(torchLoss[s] - exactLoss[s]);
            lossesOk &= mine <= Math.max(FACTOR * theirs, LOSS_FLOOR * Math.abs(exactLoss[s]));
            maxLossDiff = Math.max(maxLossDiff, mine);
            torchLossDiff = Math.max(torchLossDiff, theirs);
        }
        boolean ok = maxDiff <= logitTolerance && lossesOk
                && Double.isFinite(losses[VALIDATION_STEPS - 1]) && losses[VALIDATION_STEPS - 1] < losses[0];
        out.printf(Locale.ROOT, "validation %s vs PyTorch float64: train-mode logits max |diff| %.2e (PyTorch float32 "
                        + "%.2e, tolerance %.2e); losses of %d SGD steps %s, float64 %s, max |diff| %.2e (PyTorch float32 "
                        + "%.2e): %s%n", model, maxDiff, torchDiff, logitTolerance, VALIDATION_STEPS, fmt(losses),
                fmt(exactLoss), maxLossDiff, torchLossDiff, ok ? "ok" : "FAILED");
        if (!ok) {
            throw new IllegalStateException("validation against PyTorch failed for " + model + ": each difference to "
                    + "float64 may be at most " + FACTOR + "x PyTorch's float32 one (or " + FLOOR + " of max |logit|, "
                    + LOSS_FLOOR + " of a loss), "
                    + "and the loss must fall");
        }
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.5f", v[i]));
        }
        return b.append(']').toString();
    }

    private static Map<String, Map<String, double[]>> readValidation(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("validation file " + file + " not found; write it with "
                    + "/usr/bin/python3.11 tools/bench/torch_e2e.py --validate " + file + " --workloads ...");
        }
        Map<String, Map<String, double[]>> ref = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] p = line.split("\t");
            if (p.length != 3) {
                throw new IllegalArgumentException(file + ": malformed line (want model<TAB>kind<TAB>values): " + line);
            }
            String[] vs = p[2].trim().split(" ");
            double[] v = new double[vs.length];
            for (int i = 0; i < vs.length; i++) {
                v[i] = Double.parseDouble(vs[i]);
            }
            ref.computeIfAbsent(p[0], k -> new LinkedHashMap<>()).put(p[1], v);
        }
        return ref;
    }

    /** Median wall seconds and median process CPU-seconds per step. */
    static double[] time(Workload w, int blocks, double blockS, double warmS) {
        Runnable step = step(w);
        warm(step, warmS);
        double[] walls = new double[blocks], cpus = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            double[] r = block(step, blockS);
            walls[b] = r[0];
            cpus[b] = r[1];
        }
        return new double[]{median(walls), median(cpus)};
    }

    /** Warm-up: at least 3 steps and warmS seconds. */
    static void warm(Runnable step, double warmS) {
        long t0 = System.nanoTime();
        for (int n = 0; n < 3 || System.nanoTime() - t0 < warmS * 1e9; n++) {
            step.run();
        }
    }

    /** One timed block of whole steps, at least blockS seconds: wall seconds and process CPU-seconds per step. */
    static double[] block(Runnable step, double blockS) {
        long w0 = System.nanoTime(), c0 = processCpuNanos();
        int k = 0;
        do {
            step.run();
            k++;
        } while (System.nanoTime() - w0 < blockS * 1e9);
        return new double[]{(System.nanoTime() - w0) * 1e-9 / k, (processCpuNanos() - c0) * 1e-9 / k};
    }

    /** One step of the workload on fixed random data (seeded). */
    public static Runnable step(Workload w) {
        Sequential net = ModelRegistry.build(w.model(), 0);
        setPatternWeights(net);
        Tensor x = new Tensor(batchShape(w.model(), w.batch()));
        SplittableRandom rng = new SplittableRandom(0);
        float[] d = x.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        if (w.mode().equals("frozen")) {
            Module frozen = Inference.freeze(net);
            return () -> frozen.forward(x);
        }
        if (!w.train()) {
            net.train(false);
            return () -> net.forward(x);
        }
        net.train(true);
        net.setInputGradient(false);
        int classes = ModelRegistry.spec(w.model()).numClasses();
        int[] labels = new int[w.batch()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(classes);
        }
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Sgd sgd = new Sgd(net.namedParameters(), new SgdConfig(0.9, 0, false, 1e-4, false));
        return () -> {
            net.zeroGrad();
            loss.forward(net.forward(x), labels);
            net.backward(loss.backward());
            sgd.step(0.01);
        };
    }

    public static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
