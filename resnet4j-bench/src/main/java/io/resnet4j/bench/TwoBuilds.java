package io.resnet4j.bench;

import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Two builds of resnet4j in one JVM, each in its own class loader, timed on one E2EBench workload in alternating
 * blocks: a whole-model A/B of two commits (tools/bench/two-builds.sh makes the builds).
 *
 * <p>Why. This VM's speed drifts by up to 2x within minutes, so runs in separate JVMs cannot resolve a few
 * percent. A same-JVM A/B that selects the old code with a static switch can be biased the other way: the two
 * paths share compiled methods, and a path timed beside the other measured up to 3x slower than alone (NormBench).
 * Here each build has its own classes, so its own JIT profile and code; the blocks alternate (A B, then B A) after
 * a common warm-up, and the ratio is taken round by round. An A/A run (one build twice) gave 0.999 (quartiles
 * 0.988-1.037) on resnet20 training at batch 128.
 *
 * <pre>
 * usage: TwoBuilds --workload resnet20:train:128 --a CLASSPATH --b CLASSPATH [--rounds 20] [--steps 3] [--warm-s 12]
 *                  [--threads 2]
 * </pre>
 * Each classpath holds one build's engine, vision and bench classes and their dependencies. Reported: each
 * build's median ms per step and the median of the per-round speed ratios B / A with quartiles and range.
 */
public final class TwoBuilds {
    private TwoBuilds() {
    }

    public static void main(String[] args) throws ReflectiveOperationException, MalformedURLException {
        String usage = "usage: TwoBuilds --workload MODEL:MODE:BATCH --a CLASSPATH --b CLASSPATH [--rounds 20] "
                + "[--steps 3] [--warm-s 12] [--threads 2]";
        // Options links no engine class: this class must not load one from its own classpath
        Map<String, String> o = Options.parse(args, List.of("--workload", "--a", "--b", "--rounds", "--steps",
                "--warm-s", "--threads"), usage);
        for (String required : List.of("--workload", "--a", "--b")) {
            if (!o.containsKey(required)) {
                throw new IllegalArgumentException(required + " is required; " + usage);
            }
        }
        String workload = o.get("--workload");
        int rounds = Options.intOption(o, "--rounds", 20, usage);
        int steps = Options.intOption(o, "--steps", 3, usage);
        double warmS = Options.doubleOption(o, "--warm-s", 12, usage);
        int threads = Options.intOption(o, "--threads", 2, usage);
        if (rounds < 4 || steps < 1 || warmS < 0 || threads < 1) {
            throw new IllegalArgumentException("need rounds >= 4, steps >= 1, warm-s >= 0, threads >= 1; " + usage);
        }
        Runnable[] step = {load("A", o.get("--a"), workload, threads), load("B", o.get("--b"), workload, threads)};
        for (long end = System.nanoTime() + (long) (warmS * 1e9); System.nanoTime() < end; ) {
            step[0].run();
            step[1].run();
        }
        double[][] ms = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int v = r % 2 == 0 ? k : 1 - k;
                long t0 = System.nanoTime();
                for (int s = 0; s < steps; s++) {
                    step[v].run();
                }
                ms[v][r] = (System.nanoTime() - t0) / (steps * 1e6);
            }
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = ms[0][r] / ms[1][r];
        }
        Arrays.sort(ratio);
        Arrays.sort(ms[0]);
        Arrays.sort(ms[1]);
        System.out.printf(Locale.ROOT, "%s, jdk %s: A %.2f ms, B %.2f ms per step (medians of %d rounds of %d steps); "
                        + "speed B / A %.3f (quartiles %.3f-%.3f, range %.3f-%.3f)%n", workload, Runtime.version(),
                ms[0][rounds / 2], ms[1][rounds / 2], rounds, steps, ratio[rounds / 2], ratio[rounds / 4],
                ratio[3 * rounds / 4], ratio[0], ratio[rounds - 1]);
    }

    /** E2EBench.step of the workload from the build on the classpath, in a class loader of its own. */
    private static Runnable load(String name, String classpath, String workload, int threads)
            throws ReflectiveOperationException, MalformedURLException {
        List<URL> urls = new ArrayList<>();
        for (String p : classpath.split(java.io.File.pathSeparator)) {
            if (!p.isEmpty()) {
                urls.add(Path.of(p).toUri().toURL());
            }
        }
        ClassLoader loader = new URLClassLoader("build " + name, urls.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader());
        try {
            loader.loadClass("io.resnet4j.kernels.Parallel").getMethod("setThreads", int.class).invoke(null, threads);
            Class<?> bench = loader.loadClass("io.resnet4j.bench.E2EBench");
            Class<?> type = loader.loadClass("io.resnet4j.bench.E2EBench$Workload");
            Object w = type.getMethod("parse", String.class).invoke(null, workload);
            return (Runnable) bench.getMethod("step", type).invoke(null, w);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("build " + name + " cannot run " + workload + ": " + e.getCause(), e);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new IllegalArgumentException("build " + name + " (" + classpath + ") lacks " + e.getMessage()
                    + ": it needs resnet4j's engine and bench classes from E2EBench's step() on", e);
        }
    }
}
