package io.resnet4j.bench;

import io.resnet4j.bench.ConvShapes.Case;
import io.resnet4j.bench.ConvShapes.Pass;
import io.resnet4j.kernels.ConvGeometry;
import io.resnet4j.kernels.ConvOps;
import io.resnet4j.kernels.Kernels;
import io.resnet4j.kernels.Parallel;
import io.resnet4j.kernels.scalar.ScalarConv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Plain runner for the convolution kernels: validates every pass of {@link Kernels#CONV} against the scalar
 * reference on small shapes, warms up every shape and pass (so no branch is first reached while timing),
 * then reports GFLOP/s, the median of timed blocks, for forward, backward-data and backward-weight.
 *
 * <pre>
 * usage: ConvBench [--threads 2] [--blocks 7] [--block-ms 250] [--only substring] [--tsv file]
 * example: mvn -B -q -pl resnet4j-bench -am verify -DskipTests -Pconv-bench -Dbench.args="--threads 2"
 * </pre>
 * Each line of the optional TSV file: {@code r4j <tab> shape <tab> pass <tab> GFLOP/s}.
 */
public final class ConvBench {
    private ConvBench() {
    }

    public static void main(String[] args) throws IOException {
        int threads = 2, blocks = 7, blockMs = 250;
        String only = "", tsv = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value; usage: ConvBench [--threads N] "
                        + "[--blocks N] [--block-ms N] [--only substring] [--tsv file]");
            }
            String v = args[++i];
            switch (a) {
                case "--threads" -> threads = Integer.parseInt(v);
                case "--blocks" -> blocks = Integer.parseInt(v);
                case "--block-ms" -> blockMs = Integer.parseInt(v);
                case "--only" -> only = v;
                case "--tsv" -> tsv = v;
                default -> throw new IllegalArgumentException("unknown option " + a
                        + "; usage: ConvBench [--threads N] [--blocks N] [--block-ms N] [--only substring] [--tsv file]");
            }
        }
        Parallel.setThreads(threads);
        System.out.println("date:    " + ZonedDateTime.now());
        System.out.println("jdk:     " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
        System.out.println("cpu:     " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cpus");
        System.out.println("kernels: " + Kernels.describe());
        validate(Kernels.CONV);

        List<Case> cases = new ArrayList<>();
        for (Case c : ConvShapes.CASES) {
            if (c.name().contains(only)) {
                cases.add(c);
            }
        }
        List<Buffers> buffers = new ArrayList<>();
        for (Case c : cases) {
            buffers.add(new Buffers(c.g(), new SplittableRandom(c.name().hashCode())));
        }
        // warm-up: every shape and pass before any timing; also yields the calls per timed block
        int[][] reps = new int[cases.size()][Pass.values().length];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < cases.size(); i++) {
                for (Pass p : Pass.values()) {
                    long t0 = System.nanoTime();
                    int calls = 0;
                    do {
                        run(Kernels.CONV, cases.get(i).g(), buffers.get(i), p);
                        calls++;
                    } while (System.nanoTime() - t0 < 150_000_000L);
                    double perCall = (System.nanoTime() - t0) / 1e6 / calls;
                    reps[i][p.ordinal()] = (int) Math.max(1, Math.round(blockMs / perCall));
                }
            }
        }
        StringBuilder out = new StringBuilder();
        // with one thread all work runs on this thread: its CPU time gives a rate that ignores descheduling
        boolean cpuRate = threads == 1;
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        System.out.printf("%n%-24s %-10s %-20s %10s %16s%s%n", "shape", "pass", "GEMM MxNxK", "GFLOP/s", "(min..max)",
                cpuRate ? "  per CPU-second (median)" : "");
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            for (Pass p : Pass.values()) {
                double[] g = new double[blocks], cpu = new double[blocks];
                int n = reps[i][p.ordinal()];
                for (int b = 0; b < blocks; b++) {
                    long c0 = cpuRate ? mx.getCurrentThreadCpuTime() : 0;
                    long t0 = System.nanoTime();
                    for (int r = 0; r < n; r++) {
                        run(Kernels.CONV, c.g(), buffers.get(i), p);
                    }
                    g[b] = c.flops() * n / (System.nanoTime() - t0);
                    cpu[b] = cpuRate ? c.flops() * n / (mx.getCurrentThreadCpuTime() - c0) : 0;
                }
                Arrays.sort(g);
                Arrays.sort(cpu);
                double median = g[blocks / 2];
                System.out.printf("%-24s %-10s %-20s %10.1f %7.1f..%-7.1f%s%n", c.name(), p.label, c.gemm(p), median,
                        g[0], g[blocks - 1], cpuRate ? String.format("  %8.1f", cpu[blocks / 2]) : "");
                out.append("r4j\t").append(c.name()).append('\t').append(p.label).append('\t')
                        .append(String.format("%.1f", median)).append('\n');
            }
        }
        // after timing (all compiled), steady state allocates nothing: bytes allocated by all threads over 5 calls of each shape and pass
        // (the measurement's own arrays are subtracted: an empty measurement calibrates them)
        // (one untimed round first: after many calls of one shape C2 may have recompiled for it alone, and the
        // first switch to another shape deoptimises once; a training step alternates shapes every layer)
        for (int i = 0; i < cases.size(); i++) {
            for (Pass p : Pass.values()) {
                run(Kernels.CONV, cases.get(i).g(), buffers.get(i), p);
            }
        }
        long allocated = 0;
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            for (Pass p : Pass.values()) {
                long b0 = allocatedBytes();
                long b1 = allocatedBytes();
                for (int r = 0; r < 5; r++) {
                    run(Kernels.CONV, cases.get(i).g(), buffers.get(i), p);
                }
                long b2 = allocatedBytes();
                long bytes = (b2 - b1) - (b1 - b0);
                if (bytes != 0) {
                    where.append(String.format(" %s %s: %d;", cases.get(i).name(), p.label, bytes));
                }
                allocated += bytes;
            }
        }
        System.out.printf("allocated in steady state: %d bytes in %d calls (all threads)%s%n",
                allocated, cases.size() * Pass.values().length * 5, where.length() == 0 ? "" : " -" + where);
        if (tsv != null) {
            Files.writeString(Path.of(tsv), out.toString());
        }
    }

    private static void run(ConvOps conv, ConvGeometry g, Buffers b, Pass p) {
        switch (p) {
            case FORWARD -> conv.forward(g, b.x, 0, b.w, 0, b.y, 0);
            case BACKWARD_DATA -> conv.backwardData(g, b.dy, 0, b.w, 0, b.dx, 0);
            case BACKWARD_WEIGHT -> conv.backwardWeight(g, b.x, 0, b.dy, 0, b.dw, 0);
        }
    }

    /** Every pass against the scalar reference, |a - b| <= 2e-5 * sum|terms| + 1e-6; exits on a mismatch. */
    static void validate(ConvOps conv) {
        List<ConvGeometry> small = List.of(ConvGeometry.of(3, 16, 10, 9, 16, 3, 1, 1), ConvGeometry.of(2, 8, 9, 9, 24, 1, 1, 0),
                ConvGeometry.of(2, 6, 11, 10, 8, 3, 2, 1), ConvGeometry.of(1, 3, 15, 15, 8, 7, 2, 3),
                ConvGeometry.of(4, 13, 7, 7, 21, 3, 1, 1));
        for (ConvGeometry g : small) {
            SplittableRandom rng = new SplittableRandom(1);
            Buffers b = new Buffers(g, rng), abs = b.abs();
            for (Pass p : Pass.values()) {
                Buffers ref = b.copy(), mag = abs.copy(), got = b.copy();
                run(ScalarConv.INSTANCE, g, ref, p);
                run(ScalarConv.INSTANCE, g, mag, p);
                run(conv, g, got, p);
                float[] e = ref.output(p), m = mag.output(p), a = got.output(p);
                for (int i = 0; i < e.length; i++) {
                    if (!(Math.abs(a[i] - e[i]) <= 2e-5 * m[i] + 1e-6)) {
                        System.out.printf("FAILED: %s %s element %d = %s, expected %s%n", p.label, g, i, a[i], e[i]);
                        System.exit(1);
                    }
                }
            }
        }
        System.out.println("All kernels passed! Starting benchmarks.");
    }

    /** Bytes allocated so far by every live thread (HotSpot's per-thread counters). */
    private static long allocatedBytes() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
        return System.getProperty("os.arch");
    }

    /** The arrays of one shape. */
    static final class Buffers {
        final float[] x, w, y, dy, dx, dw;

        Buffers(ConvGeometry g, SplittableRandom rng) {
            this(random(rng, g.inputSize()), random(rng, g.weightSize()), new float[g.outputSize()],
                    random(rng, g.outputSize()), new float[g.inputSize()], new float[g.weightSize()]);
        }

        private Buffers(float[] x, float[] w, float[] y, float[] dy, float[] dx, float[] dw) {
            this.x = x;
            this.w = w;
            this.y = y;
            this.dy = dy;
            this.dx = dx;
            this.dw = dw;
        }

        Buffers copy() {
            return new Buffers(x.clone(), w.clone(), y.clone(), dy.clone(), dx.clone(), dw.clone());
        }

        Buffers abs() {
            return new Buffers(absOf(x), absOf(w), y.clone(), absOf(dy), dx.clone(), dw.clone());
        }

        float[] output(Pass p) {
            return switch (p) {
                case FORWARD -> y;
                case BACKWARD_DATA -> dx;
                case BACKWARD_WEIGHT -> dw;
            };
        }

        private static float[] absOf(float[] a) {
            float[] r = a.clone();
            for (int i = 0; i < r.length; i++) {
                r[i] = Math.abs(r[i]);
            }
            return r;
        }

        static float[] random(SplittableRandom rng, int size) {
            float[] a = new float[size];
            for (int i = 0; i < size; i++) {
                a[i] = (float) (rng.nextDouble() * 2 - 1);
            }
            return a;
        }
    }
}
