package io.resnet4j.bench;

import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Watches one workload settle after another has run in the same JVM: the JIT compiles the shared kernels for the
 * first workload, then deoptimises and recompiles them when the second takes branches the first never took
 * (frozen inference's bias and ReLU epilogues after training), and a recompilation can come out slower (one
 * stored boxed vectors once C2's class-check budget was spent: ARCHITECTURE.md, "Exact vector classes"). Prints
 * the second workload's mean step time for each second; where the last second is still slower than
 * {@code --slow-ms}, samples the stacks with JFR for three seconds and prints the hottest ones, then exits with
 * status 3.
 *
 * <pre>
 * usage: JitStateProbe [--first resnet20:train:128] [--first-s 6] [--second resnet50:frozen:1] [--second-s 12]
 *                      [--slow-ms 100] [--threads 2]
 * </pre>
 * --first-s 0 runs the second workload alone. Repeat it in fresh JVMs: the state a JVM settles in is its own.
 */
public final class JitStateProbe {
    private JitStateProbe() {
    }

    public static void main(String[] args) throws IOException {
        String usage = "usage: JitStateProbe [--first MODEL:MODE:BATCH] [--first-s S] [--second MODEL:MODE:BATCH] "
                + "[--second-s S] [--slow-ms MS] [--threads N]";
        Map<String, String> o = Options.parse(args, List.of("--first", "--first-s", "--second", "--second-s",
                "--slow-ms", "--threads"), usage);
        E2EBench.Workload first = E2EBench.Workload.parse(o.getOrDefault("--first", "resnet20:train:128"));
        E2EBench.Workload second = E2EBench.Workload.parse(o.getOrDefault("--second", "resnet50:frozen:1"));
        double firstS = Options.doubleOption(o, "--first-s", 6, usage);
        double secondS = Options.doubleOption(o, "--second-s", 12, usage);
        double slowMs = Options.doubleOption(o, "--slow-ms", 100, usage);
        int threads = Options.intOption(o, "--threads", 2, usage);
        if (firstS < 0 || secondS < 1 || slowMs <= 0 || threads < 1) {
            throw new IllegalArgumentException("--first-s >= 0, --second-s >= 1, --slow-ms > 0, --threads >= 1; " + usage);
        }
        // a JVM's first JFR recording makes every compiled method not entrant (JDK 17): start one before any work
        try (Recording init = new Recording()) {
            init.start();
            init.stop();
        }
        Parallel.setThreads(threads);
        System.out.println("jdk:     " + Runtime.version() + ", kernels: " + Kernels.describe());
        if (firstS > 0) {
            Runnable step = E2EBench.step(first);
            long t0 = System.nanoTime();
            int n = 0;
            while (n < 1 || System.nanoTime() - t0 < firstS * 1e9) {
                step.run();
                n++;
            }
            System.out.printf(Locale.ROOT, "first:   %s, %d steps in %.1f s%n", first, n, (System.nanoTime() - t0) / 1e9);
        }
        Runnable step = E2EBench.step(second);
        long t0 = System.nanoTime();
        StringBuilder seconds = new StringBuilder();
        int second0 = 0, n = 0;
        double sum = 0, last = 0;
        while (System.nanoTime() - t0 < secondS * 1e9) {
            long s = System.nanoTime();
            step.run();
            long e = System.nanoTime();
            sum += (e - s) / 1e6;
            n++;
            if ((e - t0) / 1e9 >= second0 + 1) {
                last = sum / n;
                seconds.append(String.format(Locale.ROOT, " %d:%.1f(%d)", second0, last, n));
                second0 = (int) ((e - t0) / 1e9);
                sum = 0;
                n = 0;
            }
        }
        System.out.println("second:  " + second + ", mean ms per step in each second (steps):" + seconds);
        if (last <= slowMs) {
            System.out.printf(Locale.ROOT, "settled: %.1f ms per step%n", last);
            return;
        }
        System.out.printf(Locale.ROOT, "SLOW:    %.1f ms per step at the end; 3 s of JFR execution samples:%n", last);
        Path jfr = Files.createTempFile("jit-state", ".jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10)).withStackTrace();
            r.start();
            long s0 = System.nanoTime();
            while (System.nanoTime() - s0 < 3e9) {
                step.run();
            }
            r.stop();
            r.dump(jfr);
        }
        Map<String, Integer> stacks = new HashMap<>();
        for (RecordedEvent ev : RecordingFile.readAllEvents(jfr)) {
            RecordedStackTrace st = ev.getStackTrace();
            if (st == null) {
                continue;
            }
            StringBuilder b = new StringBuilder();
            int k = 0;
            for (RecordedFrame f : st.getFrames()) {
                b.append(k == 0 ? "" : " <- ").append(f.getMethod().getType().getName()).append('.')
                        .append(f.getMethod().getName()).append(':').append(f.getLineNumber())
                        .append(" [").append(f.getType()).append(']');
                if (++k == 4) {
                    break;
                }
            }
            stacks.merge(b.toString(), 1, Integer::sum);
        }
        Files.deleteIfExists(jfr);
        stacks.entrySet().stream().sorted((u, v) -> v.getValue() - u.getValue()).limit(12)
                .forEach(e -> System.out.println("  " + e.getValue() + "  " + e.getKey()));
        System.exit(3);
    }
}
